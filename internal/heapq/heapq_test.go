package heapq

import (
	"slices"
	"testing"
)

type item struct {
	key, idx int
	name     string
}

func newItems() *Heap[*item] {
	return New(func(a, b *item) bool { return a.key < b.key }, func(x *item, i int) { x.idx = i })
}

func TestPopsInKeyOrder(t *testing.T) {
	h := New(func(a, b int) bool { return a < b }, nil)
	for _, k := range []int{5, 1, 4, 1, 9, 2, 6} {
		h.Push(k)
	}
	if h.Peek() != 1 || h.Len() != 7 {
		t.Fatalf("peek %d, len %d", h.Peek(), h.Len())
	}
	var got []int
	for h.Len() > 0 {
		got = append(got, h.Pop())
	}
	if want := []int{1, 1, 2, 4, 5, 6, 9}; !slices.Equal(got, want) {
		t.Fatalf("popped %v, want %v", got, want)
	}
}

func TestPositionsFollowItemsForFixAndRemove(t *testing.T) {
	h := newItems()
	a, b, c, d := &item{key: 30, name: "a"}, &item{key: 10, name: "b"}, &item{key: 20, name: "c"}, &item{key: 40, name: "d"}
	for _, x := range []*item{a, b, c, d} {
		h.Push(x)
	}
	for _, x := range []*item{a, b, c, d} {
		if h.At(x.idx) != x {
			t.Fatalf("%s is told position %d, which holds %s", x.name, x.idx, h.At(x.idx).name)
		}
	}
	d.key = 5 // d becomes the least
	h.Fix(d.idx)
	if h.Peek() != d || d.idx != 0 {
		t.Fatalf("after Fix the top is %s (d at %d)", h.Peek().name, d.idx)
	}
	if got := h.Remove(c.idx); got != c || c.idx != -1 {
		t.Fatalf("Remove gave %s, c at %d", got.name, c.idx)
	}
	var names string
	for h.Len() > 0 {
		x := h.Pop()
		if x.idx != -1 {
			t.Fatalf("%s still thinks it is at %d", x.name, x.idx)
		}
		names += x.name
	}
	if names != "dba" {
		t.Fatalf("order %q, want dba", names)
	}
}

func TestClearTellsEveryItem(t *testing.T) {
	h := newItems()
	a, b := &item{key: 1}, &item{key: 2}
	h.Push(a)
	h.Push(b)
	h.Clear()
	if h.Len() != 0 || a.idx != -1 || b.idx != -1 {
		t.Fatalf("len %d, positions %d %d", h.Len(), a.idx, b.idx)
	}
	h.Push(b)
	if h.Peek() != b || b.idx != 0 {
		t.Fatal("the heap is not usable after Clear")
	}
}
