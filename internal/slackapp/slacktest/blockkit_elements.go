package slacktest

import "fmt"

// element checks an interactive element. allowed lists the types the
// containing block accepts; actionIDs collects action_ids, which must be
// unique within a block.
func (c *checker) element(path string, v any, allowed, actionIDs map[string]bool) {
	e, ok := c.object(path, v)
	if !ok {
		return
	}
	typ, _ := e["type"].(string)
	if !allowed[typ] {
		c.addf(path+"/type", "element type %q is not allowed here", typ)
		return
	}
	c.actionID(path, e, actionIDs)
	if v, ok := e["confirm"]; ok {
		c.confirm(path+"/confirm", v)
	}
	c.optText(path, e, "placeholder", plainOnly, 150)
	switch typ {
	case "button":
		c.button(path, e)
	case "static_select", "multi_static_select":
		c.staticSelect(path, e)
	case "overflow":
		c.options(path+"/options", e["options"], 1, 5, plainOnly)
	case "checkboxes", "radio_buttons":
		c.options(path+"/options", e["options"], 1, 10, anyText)
		c.optOption(path, e, "initial_option", anyText)
	case "datepicker":
		if d, ok := e["initial_date"].(string); ok && !dateRe.MatchString(d) {
			c.addf(path+"/initial_date", "must be YYYY-MM-DD")
		}
	case "timepicker":
		if t, ok := e["initial_time"].(string); ok && !timeRe.MatchString(t) {
			c.addf(path+"/initial_time", "must be HH:mm")
		}
	case "plain_text_input":
		for _, k := range []string{"min_length", "max_length"} {
			if n, ok := e[k].(float64); ok && (n < 0 || n > 3000) {
				c.addf(path+"/"+k, "must be between 0 and 3000")
			}
		}
	case "image":
		c.image(path, e)
	}
}

// actionID checks an element's action_id: its length, and unique in its block.
func (c *checker) actionID(path string, e map[string]any, actionIDs map[string]bool) {
	if id, ok := e["action_id"]; ok {
		c.length(path+"/action_id", id, 1, 255)
		if s, _ := id.(string); actionIDs[s] {
			c.addf(path+"/action_id", "duplicate action_id %q in block", s)
		} else {
			actionIDs[s] = true
		}
	}
}

// button checks a button's text, value, url, label and style.
func (c *checker) button(path string, e map[string]any) {
	c.requiredText(path, e, "text", plainOnly, 75)
	c.optLength(path, e, "value", 2000)
	c.optLength(path, e, "url", 3000)
	c.optLength(path, e, "accessibility_label", 75)
	if st, ok := e["style"]; ok && st != "primary" && st != "danger" {
		c.addf(path+"/style", "must be primary or danger")
	}
}

// staticSelect checks a static select's options (or option groups).
func (c *checker) staticSelect(path string, e map[string]any) {
	opts, hasOpts := e["options"]
	groups, hasGroups := e["option_groups"]
	switch {
	case hasOpts == hasGroups:
		c.addf(path, "must have exactly one of options or option_groups")
	case hasOpts:
		c.options(path+"/options", opts, 1, 100, plainOnly)
	default:
		c.optionGroups(path+"/option_groups", groups)
	}
	c.optOption(path, e, "initial_option", plainOnly)
}

func (c *checker) options(path string, v any, minN, maxN int, kind textKind) {
	for i, o := range c.array(path, v, minN, maxN, "options") {
		c.option(fmt.Sprintf("%s/%d", path, i), o, kind)
	}
}

func (c *checker) optionGroups(path string, v any) {
	for i, g := range c.array(path, v, 1, 100, "option groups") {
		p := fmt.Sprintf("%s/%d", path, i)
		if m, ok := c.object(p, g); ok {
			c.requiredText(p, m, "label", plainOnly, 75)
			c.options(p+"/options", m["options"], 1, 100, plainOnly)
		}
	}
}

func (c *checker) optOption(path string, e map[string]any, key string, kind textKind) {
	if v, ok := e[key]; ok {
		c.option(path+"/"+key, v, kind)
	}
}

func (c *checker) option(path string, v any, kind textKind) {
	m, ok := c.object(path, v)
	if !ok {
		return
	}
	c.requiredText(path, m, "text", kind, 75)
	c.length(path+"/value", m["value"], 1, 75)
	c.optText(path, m, "description", plainOnly, 75)
	c.optLength(path, m, "url", 3000)
}

func (c *checker) confirm(path string, v any) {
	m, ok := c.object(path, v)
	if !ok {
		return
	}
	c.requiredText(path, m, "title", plainOnly, 100)
	c.requiredText(path, m, "text", anyText, 300)
	c.requiredText(path, m, "confirm", plainOnly, 30)
	c.requiredText(path, m, "deny", plainOnly, 30)
	if st, ok := m["style"]; ok && st != "primary" && st != "danger" {
		c.addf(path+"/style", "must be primary or danger")
	}
}
