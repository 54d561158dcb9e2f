package sandbox

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// ringLog keeps the bot's last log lines for the page and passes every
// line on.
type ringLog struct {
	mu    sync.Mutex
	max   int
	lines []string
	part  []byte
	next  io.Writer
}

func newRingLog(max int, next io.Writer) *ringLog { return &ringLog{max: max, next: next} }

func (r *ringLog) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.part = append(r.part, p...)
	for {
		i := bytes.IndexByte(r.part, '\n')
		if i < 0 {
			break
		}
		r.lines = append(r.lines, string(r.part[:i]))
		r.part = r.part[i+1:]
	}
	if over := len(r.lines) - r.max; over > 0 {
		r.lines = append([]string(nil), r.lines[over:]...)
	}
	_, _ = r.next.Write(p)
	return len(p), nil
}

// Lines returns the kept lines, oldest first.
func (r *ringLog) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// directory names the sandbox's people, group and channels.
type directory struct{}

func (directory) UserName(id string) string {
	if id == botUserID {
		return "db-restore"
	}
	for _, p := range People {
		if p.ID == id {
			return p.Name
		}
	}
	return ""
}

func (directory) GroupHandle(id string) string {
	if id == DBAGroup {
		return DBAGroupHandle
	}
	return ""
}

func (directory) ChannelName(id string) string {
	for _, c := range Channels {
		if c.ID == id {
			return c.Name
		}
	}
	if strings.HasPrefix(id, "D") {
		return "direct message"
	}
	return ""
}

// botUserID is the Slack emulator's default bot user.
const botUserID = "U0FAKEBOT"

// pageSignal wakes the page's long polls on changes outside Slack (armed
// faults).
type pageSignal struct {
	mu sync.Mutex
	ch chan struct{}
}

func (p *pageSignal) wait() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ch == nil {
		p.ch = make(chan struct{})
	}
	return p.ch
}

func (p *pageSignal) bump() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ch != nil {
		close(p.ch)
	}
	p.ch = make(chan struct{})
}

// Names is the sandbox's directory of people, groups and channels.
func Names() Directory { return directory{} }
