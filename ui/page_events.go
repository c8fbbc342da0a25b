package ui

import (
	"acconsole/i18n"
	"context"
	"fmt"
	"image/color"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"acconsole/acapi"
	"acconsole/models"
)

const (
	tailKeep      = 5000 // lines kept, like k9s's log buffer (FEATURES §4)
	tailPollGap   = 2 * time.Second
	tailBacklog   = 50  // entries per device on the first read
	tailReadLimit = 200 // entries per device per read after that
	timerPollEach = 5   // read timer histories every 5th poll (10 s)
	watchMax      = 8
	listWidth     = 30
)

// watchedDevice is a device on the watch list.
type watchedDevice struct {
	ref   DeviceRef
	label string
}

func watchOf(ref DeviceRef, d DeviceDetail) watchedDevice {
	return watchedDevice{ref: ref, label: deviceTitle(d)}
}

// tailLine is one line of the merged tail.
type tailLine struct {
	at   time.Time
	dev  int // index into the page's devices
	kind string
	text string
	bad  bool // a failure worth colouring
	low  string
	code int // a command's message code, to match it to a timer firing
	// render words the line in a language (text is its wording in the
	// language the line was read in), so :lang rewords the tail.
	render func(tr *i18n.Translator) string
}

// devTail is what the page knows of one watched device.
type devTail struct {
	w         watchedDevice
	lastMs    int64
	atLast    map[string]bool // keys of the entries at lastMs, to drop repeats
	online    string          // "online", "offline" or ""
	lines     int
	timerSeen map[string]bool
	colour    int // index into watchColours, kept while the device is watched
	err       error
}

// eventsPage is the live tail of one device (v on a device) or of a watch
// list of several (:watch), in a split pane: the devices on the left, one
// colour each, and their events merged in time order on the right
// (FEATURES §2 I). It polls the device-history service incrementally,
// adds timer firings and this console's audit entries for the devices,
// keeps the last 5 000 lines, and filters with "/".
type eventsPage struct {
	devs   []*devTail
	lines  []tailLine // ring, oldest first once full
	start  int
	cursor int  // device under the list cursor
	solo   int  // -1, or the only device shown
	follow bool // stick to the newest line
	scroll int  // lines up from the bottom when not following
	filter string
	invert bool

	gen        int
	tag        int
	polls      int
	auditSeen  time.Time
	paused     bool
	nextColour int
	styles     []lipgloss.Style // by colour index
}

// The colours of watched devices: ANSI colours, so that each theme's
// terminal palette keeps them readable.
var watchColours = []color.Color{
	lipgloss.ANSIColor(6), lipgloss.ANSIColor(3), lipgloss.ANSIColor(5), lipgloss.ANSIColor(2),
	lipgloss.ANSIColor(4), lipgloss.ANSIColor(14), lipgloss.ANSIColor(11), lipgloss.ANSIColor(13),
}

func newEventsPage(ws []watchedDevice) *eventsPage {
	p := &eventsPage{solo: -1, follow: true}
	for _, w := range ws {
		p.addDevice(w)
	}
	return p
}

func (p *eventsPage) addDevice(w watchedDevice) bool {
	for _, d := range p.devs {
		if d.w.ref.PhysicalID == w.ref.PhysicalID && d.w.ref.SubDomain == w.ref.SubDomain {
			return false
		}
	}
	p.devs = append(p.devs, &devTail{w: w, atLast: map[string]bool{}, timerSeen: map[string]bool{}, colour: p.nextColour % len(watchColours)})
	p.nextColour++
	return true
}

// style is device i's colour (built once per colour: View runs often).
func (p *eventsPage) style(i int) lipgloss.Style {
	if len(p.styles) == 0 {
		for _, c := range watchColours {
			p.styles = append(p.styles, lipgloss.NewStyle().Foreground(c).Bold(true))
		}
	}
	return p.styles[p.devs[i].colour]
}

func (p *eventsPage) Title(tr *i18n.Translator) string {
	if len(p.devs) == 1 {
		return tr.T("events.title_one", "Device", p.devs[0].w.label)
	}
	return tr.T("events.title_watch", "Devices", len(p.devs))
}

// pageKeys: the watch list (add, remove, the device under the cursor
// alone or not), pause, and moving through devices and events.
func (p *eventsPage) pageKeys() []pageKey {
	return []pageKey{
		{action: ActWatchAdd, hint: true, run: func(a *App) tea.Cmd {
			if len(p.devs) >= watchMax {
				return a.Fail(errorf(a.T("events.watch_max", "Max", watchMax)))
			}
			a.Ask(a.T("events.ask_watch"), func(a *App, s string) tea.Cmd {
				return resolveWatch(a, p, s)
			})
			return nil
		}},
		{action: ActWatchRemove, hint: true, run: func(a *App) tea.Cmd {
			if len(p.devs) <= 1 {
				return a.Flash(a.T("events.last_stays", "Key", a.keyLabel(ActBack)))
			}
			p.removeDevice(p.cursor)
			return p.Load(a)
		}},
		{action: ActOpen, hint: true, run: func(a *App) tea.Cmd {
			if p.solo == p.cursor {
				p.solo = -1
			} else {
				p.solo = p.cursor
			}
			p.scroll = 0
			return nil
		}},
		{action: ActPause, hint: true, run: func(a *App) tea.Cmd {
			p.paused = !p.paused
			if p.paused {
				return a.Flash(a.T("events.paused_flash"))
			}
			return a.Flash(a.T("events.following"))
		}},
		{action: ActUp, run: func(a *App) tea.Cmd { p.cursor = max(p.cursor-1, 0); return nil }},
		{action: ActDown, run: func(a *App) tea.Cmd { p.cursor = min(p.cursor+1, max(len(p.devs)-1, 0)); return nil }},
		{action: ActPageUp, run: func(a *App) tea.Cmd { p.Scroll(-10); return nil }},
		{action: ActPageDown, run: func(a *App) tea.Cmd {
			p.Scroll(10)
			if p.scroll == 0 {
				p.follow = true
			}
			return nil
		}},
		{action: ActBottom, run: func(a *App) tea.Cmd { p.follow, p.scroll = true, 0; return nil }},
	}
}

// Load starts (or restarts) the tail; the watch list is remembered for
// the session, so ":watch" alone comes back to it.
func (p *eventsPage) Load(a *App) tea.Cmd {
	var ws []watchedDevice
	for _, d := range p.devs {
		ws = append(ws, d.w)
	}
	if len(ws) > 1 {
		a.wf.watch = ws
	}
	p.tag++
	return p.poll(a)
}

func (p *eventsPage) Update(a *App, msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tickMsg:
		switch v := m.tick.(type) {
		case tailTick:
			if v.tag != p.tag || !onStack(a, p) {
				return nil // an older chain, or the page is gone (Resume restarts it)
			}
			if !onTop(a, p) || p.paused {
				// Hidden or paused: keep the chain, skip the read.
				return a.pageTick(p, tailPollGap, tailTick{p.tag})
			}
			return p.poll(a)
		}
		return nil
	case loaded:
		switch v := m.val.(type) {
		case tailBatch:
			if m.gen != p.gen {
				return nil
			}
			p.absorb(a, v)
			return a.pageTick(p, tailPollGap, tailTick{p.tag})
		}
		return nil
	case doneMsg:
		switch v := m.val.(type) {
		case watchOpened:
			if len(v.ws) == 0 {
				return a.Fail(errorf(a.T("events.nothing_to_watch", "Errors", strings.Join(v.errs, "; "))))
			}
			for _, w := range v.ws {
				p.addDevice(w)
			}
			cmd := a.Push(p)
			if len(v.errs) > 0 {
				cmd = tea.Batch(cmd, a.Fail(errorf(a.T("events.not_watched", "Errors", strings.Join(v.errs, "; ")))))
			}
			return cmd
		case watchResolved:
			if v.err != nil {
				return a.Fail(v.err)
			}
			if len(p.devs) >= watchMax {
				return a.Fail(errorf(a.T("events.watch_max", "Max", watchMax)))
			}
			if !p.addDevice(v.w) {
				return a.Flash(a.T("events.already_watched", "Device", v.w.label))
			}
			return tea.Batch(a.Flash(a.T("events.watching", "Device", v.w.label)), p.Load(a))
		}
		return nil
	}
	return nil
}

// Resume implements Resumer: the tail's chain ends while the page is off
// the stack, so it starts again when the page is back on top, under a
// fresh tag that voids any older chain (and a fresh read, unless paused,
// which supersedes any read in flight).
func (p *eventsPage) Resume(a *App) tea.Cmd {
	p.tag++
	if p.paused {
		return a.pageTick(p, tailPollGap, tailTick{p.tag})
	}
	return p.poll(a)
}

func (p *eventsPage) removeDevice(i int) {
	if i < 0 || i >= len(p.devs) {
		return
	}
	p.devs = append(p.devs[:i], p.devs[i+1:]...)
	kept := p.lines[:0:0]
	for j := 0; j < len(p.lines); j++ {
		l := p.line(j)
		switch {
		case l.dev == i:
			continue
		case l.dev > i:
			l.dev--
		}
		kept = append(kept, l)
	}
	p.lines, p.start = kept, 0
	p.cursor = min(p.cursor, len(p.devs)-1)
	p.solo = -1
}

// resolveWatch finds a device by id or physical id for the watch list.
func resolveWatch(a *App, p Page, q string) tea.Cmd {
	q = strings.TrimSpace(q)
	if q == "" {
		return a.Fail(errorf(a.T("events.name_device")))
	}
	api, details, tr := a.api, a.keyLabel(ActErrors), a.Tr()
	return runVal(a, p, func(ctx context.Context) any {
		w, err := findWatched(ctx, api, tr, q, details)
		return watchResolved{w: w, err: err}
	})
}

// findWatched looks a device up for the watch list. A device the cloud
// does not know (no binding and no warehouse record) is refused: its tail
// would stay empty for ever.
// details is the key that shows an error in full; tr the language of the
// refusals.
func findWatched(ctx context.Context, api API, tr *i18n.Translator, q, details string) (watchedDevice, error) {
	ref := DeviceRef{PhysicalID: q}
	if id, err := strconv.ParseInt(q, 10, 64); err == nil && len(q) < 16 {
		ref = DeviceRef{DeviceID: id}
	}
	d, err := api.DeviceDetail(ctx, ref)
	if acapi.Code(err) == models.ErrDeviceAbsent {
		// Several names share one status line: say which, briefly.
		return watchedDevice{}, errorf(tr.T("events.no_device", "Query", strconv.Quote(models.SanitizeLine(q))))
	}
	if err != nil {
		return watchedDevice{}, fmt.Errorf("%s: %s", q, errorText(err, details))
	}
	// The warehouse answers for any physical id; status 0 says the device
	// does not exist (PROTOCOL §3.7).
	if d.Device.PhysicalDeviceID == "" || (d.Device.DeviceID == 0 && (d.Info.PhysicalDeviceID == "" || d.Info.Status == 0)) {
		return watchedDevice{}, errorf(tr.T("events.no_device", "Query", strconv.Quote(models.SanitizeLine(q))))
	}
	return watchOf(actingRef(ref, d), d), nil
}

// cmdWatch opens the watch list: the devices named, else the last list.
// Named devices are looked up first; the page opens only when one of them
// exists, and each name that finds none is said.
func cmdWatch(a *App, arg string) tea.Cmd {
	p := newEventsPage(nil)
	if strings.TrimSpace(arg) == "" {
		if len(a.wf.watch) == 0 {
			if dp, ok := a.top().(*devicePage); ok && dp.detail != nil {
				return a.Push(newEventsPage([]watchedDevice{watchOf(actingRef(dp.ref, *dp.detail), *dp.detail)}))
			}
			return a.Fail(errorf(a.T("events.watch_usage", "Max", watchMax, "Key", a.keyLabel(ActEvents))))
		}
		for _, w := range a.wf.watch {
			p.addDevice(w)
		}
		return a.Push(p)
	}
	names := strings.Fields(arg)
	if len(names) > watchMax {
		return a.Fail(errorf(a.T("events.watch_max", "Max", watchMax)))
	}
	api, details, tr := a.api, a.keyLabel(ActErrors), a.Tr()
	return runVal(a, p, func(ctx context.Context) any {
		var v watchOpened
		for _, q := range names {
			w, err := findWatched(ctx, api, tr, q, details)
			if err != nil {
				v.errs = append(v.errs, errorText(err, details))
				continue
			}
			v.ws = append(v.ws, w)
		}
		return v
	})
}
