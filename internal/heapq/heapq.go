// Package heapq is a min-heap of any type ordered by a less function: the
// priority queue behind the local cloud's timer scheduler, the simulated
// fleet's event queue and the WeChat bridge's replay window, written once
// instead of one container/heap.Interface per queue.
package heapq

import "container/heap"

// Heap holds items with the least (by less) on top. The zero Heap is not
// usable; make one with New.
type Heap[T any] struct{ in inner[T] }

// New makes an empty heap. moved, when not nil, is told every item's new
// position whenever it changes, and -1 when the item leaves the heap, so
// that a caller can Fix or Remove an item it holds (timers that are
// rescheduled or cancelled).
func New[T any](less func(a, b T) bool, moved func(x T, i int)) *Heap[T] {
	return &Heap[T]{in: inner[T]{less: less, moved: moved}}
}

// Len is the number of items.
func (h *Heap[T]) Len() int { return len(h.in.items) }

// Peek is the least item; the heap must not be empty.
func (h *Heap[T]) Peek() T { return h.in.items[0] }

// At is the item at position i (0 is the least), for a caller that checks
// that a position it was told still holds its item.
func (h *Heap[T]) At(i int) T { return h.in.items[i] }

// Push adds x.
func (h *Heap[T]) Push(x T) { heap.Push(&h.in, x) }

// Pop removes and returns the least item; the heap must not be empty.
func (h *Heap[T]) Pop() T { return heap.Pop(&h.in).(T) }

// Fix restores the order after the item at i changed its key.
func (h *Heap[T]) Fix(i int) { heap.Fix(&h.in, i) }

// Remove takes out and returns the item at i.
func (h *Heap[T]) Remove(i int) T { return heap.Remove(&h.in, i).(T) }

// Clear drops every item (moved hears -1 for each).
func (h *Heap[T]) Clear() {
	if h.in.moved != nil {
		for _, x := range h.in.items {
			h.in.moved(x, -1)
		}
	}
	clear(h.in.items)
	h.in.items = h.in.items[:0]
}

// inner is the container/heap.Interface view of a Heap.
type inner[T any] struct {
	items []T
	less  func(a, b T) bool
	moved func(x T, i int)
}

func (h *inner[T]) Len() int           { return len(h.items) }
func (h *inner[T]) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }

func (h *inner[T]) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	if h.moved != nil {
		h.moved(h.items[i], i)
		h.moved(h.items[j], j)
	}
}

func (h *inner[T]) Push(x any) {
	v := x.(T)
	if h.moved != nil {
		h.moved(v, len(h.items))
	}
	h.items = append(h.items, v)
}

func (h *inner[T]) Pop() any {
	n := len(h.items) - 1
	v := h.items[n]
	var zero T
	h.items[n] = zero // let the item be collected
	h.items = h.items[:n]
	if h.moved != nil {
		h.moved(v, -1)
	}
	return v
}
