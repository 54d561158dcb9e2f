package slacktest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"unicode/utf8"
)

// Surfaces for CheckBlocks.
const (
	SurfaceMessage = "message" // ≤ 50 blocks
	SurfaceModal   = "modal"   // ≤ 100 blocks
	SurfaceHome    = "home"    // ≤ 100 blocks
)

// CheckBlocks checks a JSON array of blocks against Slack's Block Kit limits
// for a surface and returns one line per broken limit, each ending in the
// JSON pointer of the offending field (as Slack's invalid_blocks errors do).
// It returns nil when Slack would accept the blocks.
func CheckBlocks(surface string, blocks json.RawMessage) []string {
	var c checker
	var v any
	if err := json.Unmarshal(blocks, &v); err != nil {
		return []string{"blocks are not valid JSON: " + err.Error()}
	}
	c.blocks(surface, "/blocks", v)
	return c.problems
}

// CheckView checks a modal or Home tab view (title, submit, close,
// private_metadata, callback_id, blocks) against Slack's limits, like
// CheckBlocks. Pointers start at /view.
func CheckView(view json.RawMessage) []string {
	var c checker
	var v any
	if err := json.Unmarshal(view, &v); err != nil {
		return []string{"view is not valid JSON: " + err.Error()}
	}
	c.view("/view", v)
	return c.problems
}

// checkSuggestionAck checks a block_suggestion ack: ≤ 100 options or
// option groups with valid options.
func checkSuggestionAck(payload json.RawMessage) []string {
	var c checker
	var m map[string]any
	if len(payload) == 0 || json.Unmarshal(payload, &m) != nil {
		return []string{"payload must be an object with options or option_groups"}
	}
	if v, ok := m["options"]; ok {
		c.options("/options", v, 1, 100, plainOnly)
	}
	if v, ok := m["option_groups"]; ok {
		c.optionGroups("/option_groups", v)
	}
	return c.problems
}

type textKind int

const (
	anyText textKind = iota
	plainOnly
)

// Element types by where Slack allows them.
var (
	selectTypes = []string{
		"static_select", "external_select", "users_select", "conversations_select", "channels_select",
		"multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select", "multi_channels_select",
	}
	actionElements    = setOf(append([]string{"button", "checkboxes", "datepicker", "datetimepicker", "overflow", "radio_buttons", "timepicker", "workflow_button"}, selectTypes...)...)
	accessoryElements = setOf(append([]string{"button", "checkboxes", "datepicker", "image", "overflow", "radio_buttons", "timepicker", "workflow_button"}, selectTypes...)...)
	inputElements     = setOf(append([]string{"checkboxes", "datepicker", "datetimepicker", "email_text_input", "file_input", "number_input", "plain_text_input", "radio_buttons", "rich_text_input", "timepicker", "url_text_input"}, selectTypes...)...)
	otherBlocks       = setOf("divider", "rich_text", "video", "file", "table", "call", "markdown")

	dateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	timeRe = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

type checker struct {
	problems []string
	blockIDs map[string]bool
}

func (c *checker) addf(path, format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...)+" [json-pointer:"+path+"]")
}

func (c *checker) object(path string, v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		c.addf(path, "must be an object")
	}
	return m, ok
}

func (c *checker) array(path string, v any, minN, maxN int, what string) []any {
	a, ok := v.([]any)
	switch {
	case !ok:
		c.addf(path, "must be an array")
	case len(a) < minN:
		c.addf(path, "must contain at least %d %s", minN, what)
	case len(a) > maxN:
		c.addf(path, "must contain at most %d %s, got %d", maxN, what, len(a))
	}
	return a
}

// length checks a string's length in characters.
func (c *checker) length(path string, v any, minN, maxN int) {
	s, ok := v.(string)
	if !ok {
		c.addf(path, "must be a string")
		return
	}
	switch n := utf8.RuneCountInString(s); {
	case n < minN:
		c.addf(path, "must be at least %d characters", minN)
	case n > maxN:
		c.addf(path, "must be at most %d characters, got %d", maxN, n)
	}
}

// optLength checks m[key] when present.
func (c *checker) optLength(path string, m map[string]any, key string, maxN int) {
	if v, ok := m[key]; ok {
		c.length(path+"/"+key, v, 0, maxN)
	}
}

// text checks a text object; kind plainOnly rejects mrkdwn.
func (c *checker) text(path string, v any, kind textKind, maxN int) {
	t, ok := c.object(path, v)
	if !ok {
		return
	}
	switch t["type"] {
	case "plain_text":
	case "mrkdwn":
		if kind == plainOnly {
			c.addf(path+"/type", "must be plain_text")
		}
	default:
		c.addf(path+"/type", "must be plain_text or mrkdwn")
	}
	c.length(path+"/text", t["text"], 1, maxN)
}

func (c *checker) requiredText(path string, m map[string]any, key string, kind textKind, maxN int) {
	v, ok := m[key]
	if !ok {
		c.addf(path+"/"+key, "is required")
		return
	}
	c.text(path+"/"+key, v, kind, maxN)
}

func (c *checker) optText(path string, m map[string]any, key string, kind textKind, maxN int) {
	if v, ok := m[key]; ok {
		c.text(path+"/"+key, v, kind, maxN)
	}
}

func (c *checker) view(path string, v any) {
	m, ok := c.object(path, v)
	if !ok {
		return
	}
	typ, _ := m["type"].(string)
	switch typ {
	case SurfaceModal:
		c.requiredText(path, m, "title", plainOnly, 24)
		c.optText(path, m, "submit", plainOnly, 24)
		c.optText(path, m, "close", plainOnly, 24)
		if _, hasSubmit := m["submit"]; !hasSubmit && hasInput(m["blocks"]) {
			c.addf(path+"/submit", "is required when the view has input blocks")
		}
	case SurfaceHome:
	default:
		c.addf(path+"/type", "must be modal or home")
	}
	c.optLength(path, m, "private_metadata", 3000)
	c.optLength(path, m, "callback_id", 255)
	c.optLength(path, m, "external_id", 255)
	blocks, ok := m["blocks"]
	if !ok {
		c.addf(path+"/blocks", "is required")
		return
	}
	if typ == "" {
		typ = SurfaceModal
	}
	c.blocks(typ, path+"/blocks", blocks)
}

func hasInput(blocks any) bool {
	arr, _ := blocks.([]any)
	for _, b := range arr {
		if m, ok := b.(map[string]any); ok && m["type"] == "input" {
			return true
		}
	}
	return false
}

func (c *checker) blocks(surface, path string, v any) {
	maxN := 100
	if surface == SurfaceMessage {
		maxN = 50
	}
	c.blockIDs = map[string]bool{}
	for i, b := range c.array(path, v, 0, maxN, "blocks") {
		c.block(fmt.Sprintf("%s/%d", path, i), b)
	}
}

func (c *checker) block(path string, v any) {
	b, ok := c.object(path, v)
	if !ok {
		return
	}
	c.blockID(path, b)
	switch typ, _ := b["type"].(string); typ {
	case "section":
		c.section(path, b)
	case "header":
		c.requiredText(path, b, "text", plainOnly, 150)
	case "actions":
		ids := map[string]bool{}
		for i, e := range c.array(path+"/elements", b["elements"], 1, 25, "elements") {
			c.element(fmt.Sprintf("%s/elements/%d", path, i), e, actionElements, ids)
		}
	case "context":
		c.context(path, b)
	case "image":
		c.image(path, b)
		c.optText(path, b, "title", plainOnly, 2000)
	case "input":
		c.requiredText(path, b, "label", plainOnly, 2000)
		c.optText(path, b, "hint", plainOnly, 2000)
		if e, ok := b["element"]; ok {
			c.element(path+"/element", e, inputElements, map[string]bool{})
		} else {
			c.addf(path+"/element", "is required")
		}
	case "":
		c.addf(path+"/type", "is required")
	default:
		if !otherBlocks[typ] {
			c.addf(path+"/type", "unknown block type %q", typ)
		}
		if typ == "markdown" {
			c.length(path+"/text", b["text"], 1, 12000)
		}
	}
}

// blockID checks a block's block_id: its length, and unique in the view.
func (c *checker) blockID(path string, b map[string]any) {
	if id, ok := b["block_id"]; ok {
		c.length(path+"/block_id", id, 1, 255)
		if s, _ := id.(string); c.blockIDs[s] {
			c.addf(path+"/block_id", "duplicate block_id %q", s)
		} else {
			c.blockIDs[s] = true
		}
	}
}

// section checks a section block: text or fields, and its accessory.
func (c *checker) section(path string, b map[string]any) {
	_, hasText := b["text"]
	fields, hasFields := b["fields"]
	if !hasText && !hasFields {
		c.addf(path, "section must have text or fields")
	}
	c.optText(path, b, "text", anyText, 3000)
	if hasFields {
		for i, f := range c.array(path+"/fields", fields, 1, 10, "fields") {
			c.text(fmt.Sprintf("%s/fields/%d", path, i), f, anyText, 2000)
		}
	}
	if acc, ok := b["accessory"]; ok {
		c.element(path+"/accessory", acc, accessoryElements, map[string]bool{})
	}
}

// context checks a context block's elements: images and texts.
func (c *checker) context(path string, b map[string]any) {
	for i, e := range c.array(path+"/elements", b["elements"], 1, 10, "elements") {
		p := fmt.Sprintf("%s/elements/%d", path, i)
		if m, ok := e.(map[string]any); ok && m["type"] == "image" {
			c.image(p, m)
		} else {
			c.text(p, e, anyText, 3000)
		}
	}
}

func (c *checker) image(path string, m map[string]any) {
	if _, ok := m["slack_file"]; !ok {
		c.length(path+"/image_url", m["image_url"], 1, 3000)
	}
	c.length(path+"/alt_text", m["alt_text"], 1, 2000)
}
