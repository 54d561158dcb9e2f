package sandbox

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"time"
)

// Unsupported marks what the renderer cannot show; tests look for it.
const Unsupported = "unsupported"

// Surface is where blocks are shown: a message, a modal or the Home tab.
type Surface struct {
	Dir    Directory
	Zone   *time.Location    // the viewer's time zone, for date pickers
	Errors map[string]string // block_id → error, for a modal's inputs
}

// obj is a decoded JSON object.
type obj = map[string]any

func str(o obj, k string) string {
	s, _ := o[k].(string)
	return s
}

func child(o obj, k string) obj {
	c, _ := o[k].(obj)
	return c
}

func list(o obj, k string) []obj {
	raw, _ := o[k].([]any)
	out := make([]obj, 0, len(raw))
	for _, r := range raw {
		if m, ok := r.(obj); ok {
			out = append(out, m)
		}
	}
	return out
}

func attr(s string) string { return html.EscapeString(s) }

// Blocks renders a block list as HTML.
func (s Surface) Blocks(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var blocks []obj
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return `<div class="` + Unsupported + `">` + Unsupported + ` blocks: ` + attr(err.Error()) + `</div>`
	}
	var b strings.Builder
	for _, bl := range blocks {
		b.WriteString(s.block(bl))
	}
	return b.String()
}

// text renders a text object (plain_text or mrkdwn).
func (s Surface) text(t obj) string {
	if t == nil {
		return ""
	}
	switch str(t, "type") {
	case "mrkdwn":
		return Mrkdwn(str(t, "text"), s.Dir)
	case "plain_text":
		return Plain(str(t, "text"))
	}
	return `<span class="` + Unsupported + `">` + Unsupported + ` text ` + attr(str(t, "type")) + `</span>`
}

func (s Surface) block(bl obj) string {
	id := str(bl, "block_id")
	open := func(class string) string {
		return `<div class="bk ` + class + `" data-block="` + attr(id) + `">`
	}
	switch str(bl, "type") {
	case "header":
		return open("bk-header") + s.text(child(bl, "text")) + `</div>`
	case "divider":
		return `<hr class="bk bk-divider">`
	case "section":
		var b strings.Builder
		b.WriteString(open("bk-section") + `<div class="bk-section-main">`)
		if t := child(bl, "text"); t != nil {
			b.WriteString(`<div class="bk-text">` + s.text(t) + `</div>`)
		}
		if fields := list(bl, "fields"); len(fields) > 0 {
			b.WriteString(`<div class="bk-fields">`)
			for _, f := range fields {
				b.WriteString(`<div class="bk-field">` + s.text(f) + `</div>`)
			}
			b.WriteString(`</div>`)
		}
		b.WriteString(`</div>`)
		if acc := child(bl, "accessory"); acc != nil {
			b.WriteString(`<div class="bk-accessory">` + s.element(acc, id, false) + `</div>`)
		}
		return b.String() + `</div>`
	case "context":
		var b strings.Builder
		b.WriteString(open("bk-context"))
		for _, el := range list(bl, "elements") {
			if str(el, "type") == "image" {
				b.WriteString(`<img class="bk-ctx-img" src="` + attr(str(el, "image_url")) + `" alt="` + attr(str(el, "alt_text")) + `">`)
				continue
			}
			b.WriteString(`<span>` + s.text(el) + `</span>`)
		}
		return b.String() + `</div>`
	case "actions":
		var b strings.Builder
		b.WriteString(open("bk-actions"))
		for _, el := range list(bl, "elements") {
			b.WriteString(s.element(el, id, false))
		}
		return b.String() + `</div>`
	case "input":
		return s.input(bl)
	case "image":
		return open("bk-image") + `<img src="` + attr(str(bl, "image_url")) + `" alt="` + attr(str(bl, "alt_text")) + `"></div>`
	case "rich_text":
		return open("bk-rich") + s.richText(list(bl, "elements")) + `</div>`
	}
	return `<div class="bk ` + Unsupported + `">` + Unsupported + ` block: ` + attr(str(bl, "type")) + `</div>`
}

func (s Surface) input(bl obj) string {
	id := str(bl, "block_id")
	el := child(bl, "element")
	dispatch, _ := bl["dispatch_action"].(bool)
	optional, _ := bl["optional"].(bool)
	var b strings.Builder
	b.WriteString(`<div class="bk bk-input" data-block="` + attr(id) + `" data-input="1">`)
	b.WriteString(`<label class="bk-label">` + s.text(child(bl, "label")))
	if optional {
		b.WriteString(` <span class="bk-optional">(optional)</span>`)
	}
	b.WriteString(`</label>`)
	b.WriteString(s.element(el, id, dispatch))
	if h := child(bl, "hint"); h != nil {
		b.WriteString(`<div class="bk-hint">` + s.text(h) + `</div>`)
	}
	if e := s.Errors[id]; e != "" {
		b.WriteString(`<div class="bk-error" role="alert">` + Plain(e) + `</div>`)
	}
	return b.String() + `</div>`
}

// element renders an interactive element. Its data attributes tell the
// page's script what to send: data-act (the element type), data-block,
// data-action, and data-dispatch for inputs that send block_actions.
func (s Surface) element(el obj, blockID string, dispatch bool) string {
	typ := str(el, "type")
	common := fmt.Sprintf(` data-act="%s" data-block="%s" data-action="%s"`, attr(typ), attr(blockID), attr(str(el, "action_id")))
	if dispatch {
		common += ` data-dispatch="1"`
	}
	switch typ {
	case "button":
		return s.button(el, common)
	case "static_select", "external_select":
		return s.selectElement(el, typ, common)
	case "multi_external_select":
		return s.multiExternal(el, common)
	case "multi_static_select":
		return strings.Replace(s.selectElement(el, "static_select", common), "<select ", "<select multiple ", 1)
	case "radio_buttons", "checkboxes":
		return s.choices(el, typ, blockID, common)
	case "datetimepicker":
		return s.dateTime(el, common)
	case "datepicker":
		return `<input class="bk-date" type="date" value="` + attr(str(el, "initial_date")) + `"` + common + `>`
	case "timepicker":
		return `<input class="bk-time" type="time" value="` + attr(str(el, "initial_time")) + `"` + common + `>`
	case "plain_text_input":
		return textInput(el, common)
	case "overflow":
		return s.selectElement(el, typ, common)
	case "image":
		return `<img class="bk-acc-img" src="` + attr(str(el, "image_url")) + `" alt="` + attr(str(el, "alt_text")) + `">`
	}
	return `<span class="` + Unsupported + `">` + Unsupported + ` element: ` + attr(typ) + `</span>`
}

// button renders a button, with its confirm dialog and link, if any.
func (s Surface) button(el obj, common string) string {
	class := "bk-btn"
	if st := str(el, "style"); st != "" {
		class += " bk-btn-" + attr(st)
	}
	extra := ` data-value="` + attr(str(el, "value")) + `"`
	if c := child(el, "confirm"); c != nil {
		extra += ` data-confirm="` + attr(s.confirm(c)) + `"`
	}
	if u := str(el, "url"); u != "" {
		extra += ` data-url="` + attr(u) + `"`
	}
	return `<button type="button" class="` + class + `"` + common + extra + `>` + s.text(child(el, "text")) + `</button>`
}

// choices renders radio buttons or checkboxes, the initial ones checked.
func (s Surface) choices(el obj, typ, blockID, common string) string {
	kind := "radio"
	if typ == "checkboxes" {
		kind = "checkbox"
	}
	initial := map[string]bool{}
	if o := child(el, "initial_option"); o != nil {
		initial[str(o, "value")] = true
	}
	for _, o := range list(el, "initial_options") {
		initial[str(o, "value")] = true
	}
	var b strings.Builder
	b.WriteString(`<div class="bk-choices" role="radiogroup"` + common + `>`)
	for _, o := range list(el, "options") {
		checked := ""
		if initial[str(o, "value")] {
			checked = " checked"
		}
		b.WriteString(`<label class="bk-choice"><input type="` + kind + `" name="` + attr(blockID+"/"+str(el, "action_id")) +
			`" value="` + attr(str(o, "value")) + `"` + checked + `><span><span class="bk-choice-text">` + s.text(child(o, "text")) + `</span>`)
		if d := child(o, "description"); d != nil {
			b.WriteString(`<span class="bk-choice-desc">` + s.text(d) + `</span>`)
		}
		b.WriteString(`</span></label>`)
	}
	return b.String() + `</div>`
}

// dateTime renders a datetimepicker in the surface's time zone.
func (s Surface) dateTime(el obj, common string) string {
	v := ""
	if n, ok := el["initial_date_time"].(float64); ok && n > 0 {
		v = time.Unix(int64(n), 0).In(s.zone()).Format("2006-01-02T15:04")
	}
	return `<input class="bk-datetime" type="datetime-local" value="` + v + `"` + common + ` data-zone="` + attr(s.zone().String()) + `">` +
		`<span class="bk-zone">` + attr(s.zone().String()) + `</span>`
}

// textInput renders a plain_text_input, one line or several.
func textInput(el obj, common string) string {
	ph := attr(str(child(el, "placeholder"), "text"))
	v := attr(str(el, "initial_value"))
	if multi, _ := el["multiline"].(bool); multi {
		return `<textarea class="bk-text-input" placeholder="` + ph + `"` + common + `>` + v + `</textarea>`
	}
	return `<input class="bk-text-input" type="text" placeholder="` + ph + `" value="` + v + `"` + common + `>`
}

// selectElement renders a static select (a <select>), an overflow menu, or
// an external select (a search box the script fills from block_suggestion).
func (s Surface) selectElement(el obj, typ, common string) string {
	ph := str(child(el, "placeholder"), "text")
	if typ == "external_select" {
		min := 3
		if n, ok := el["min_query_length"].(float64); ok {
			min = int(n)
		}
		init := child(el, "initial_option")
		label, value := "", ""
		if init != nil {
			label, value = str(child(init, "text"), "text"), str(init, "value")
		}
		return `<div class="bk-external"` + common + fmt.Sprintf(` data-min="%d"`, min) + ` data-value="` + attr(value) + `">` +
			`<input type="search" class="bk-ext-search" role="combobox" placeholder="` + attr(ph) + `" value="` + attr(label) + `" autocomplete="off">` +
			`<div class="bk-ext-options" role="listbox" hidden></div></div>`
	}
	initial := str(child(el, "initial_option"), "value")
	var b strings.Builder
	b.WriteString(`<select class="bk-select"` + common + `>`)
	if typ == "overflow" {
		b.WriteString(`<option value="">⋯</option>`)
	} else {
		sel := " selected"
		if initial != "" {
			sel = ""
		}
		b.WriteString(`<option value="" disabled` + sel + `>` + attr(ph) + `</option>`)
	}
	option := func(o obj) {
		sel := ""
		if str(o, "value") == initial && initial != "" {
			sel = " selected"
		}
		b.WriteString(`<option value="` + attr(str(o, "value")) + `"` + sel + `>` + attr(str(child(o, "text"), "text")) + `</option>`)
	}
	for _, o := range list(el, "options") {
		option(o)
	}
	for _, g := range list(el, "option_groups") {
		b.WriteString(`<optgroup label="` + attr(str(child(g, "label"), "text")) + `">`)
		for _, o := range list(g, "options") {
			option(o)
		}
		b.WriteString(`</optgroup>`)
	}
	return b.String() + `</select>`
}

// confirm encodes a confirmation dialog for the script.
func (s Surface) confirm(c obj) string {
	b, _ := json.Marshal(map[string]string{
		"title": s.text(child(c, "title")), "text": s.text(child(c, "text")),
		"confirm": s.text(child(c, "confirm")), "deny": s.text(child(c, "deny")), "style": str(c, "style"),
	})
	return string(b)
}

func (s Surface) zone() *time.Location {
	if s.Zone == nil {
		return time.UTC
	}
	return s.Zone
}

// multiExternal renders a multi external select: chips for the chosen
// options, and a search box the script fills from block_suggestion.
func (s Surface) multiExternal(el obj, common string) string {
	min := 3
	if n, ok := el["min_query_length"].(float64); ok {
		min = int(n)
	}
	var chips strings.Builder
	for _, o := range list(el, "initial_options") {
		chips.WriteString(chip(str(o, "value"), str(child(o, "text"), "text")))
	}
	return `<div class="bk-external bk-multi"` + common + fmt.Sprintf(` data-min="%d"`, min) + `>` +
		`<div class="bk-chips">` + chips.String() + `</div>` +
		`<input type="search" class="bk-ext-search" role="combobox" placeholder="` + attr(str(child(el, "placeholder"), "text")) + `" autocomplete="off">` +
		`<div class="bk-ext-options" role="listbox" hidden></div></div>`
}

// chip is one chosen option of a multi select.
func chip(value, label string) string {
	return `<span class="bk-chip" data-value="` + attr(value) + `"><span class="bk-chip-text">` + attr(label) +
		`</span><button type="button" class="bk-chip-x" aria-label="Remove ` + attr(label) + `">×</button></span>`
}
