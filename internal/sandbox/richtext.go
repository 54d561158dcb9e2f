package sandbox

import (
	"html"
	"strings"
)

// richText renders a rich_text block's elements.
func (s Surface) richText(els []obj) string {
	var b strings.Builder
	for _, el := range els {
		switch str(el, "type") {
		case "rich_text_section":
			b.WriteString(`<div class="rt-section">` + s.richInline(list(el, "elements")) + `</div>`)
		case "rich_text_preformatted":
			b.WriteString(`<pre class="code">` + s.richInline(list(el, "elements")) + `</pre>`)
		case "rich_text_quote":
			b.WriteString(`<blockquote>` + s.richInline(list(el, "elements")) + `</blockquote>`)
		case "rich_text_list":
			tag := "ul"
			if str(el, "style") == "ordered" {
				tag = "ol"
			}
			b.WriteString("<" + tag + ">")
			for _, item := range list(el, "elements") {
				b.WriteString(`<li>` + s.richInline(list(item, "elements")) + `</li>`)
			}
			b.WriteString("</" + tag + ">")
		default:
			b.WriteString(`<span class="` + Unsupported + `">` + Unsupported + ` rich text: ` + attr(str(el, "type")) + `</span>`)
		}
	}
	return b.String()
}

// richInline renders the inline elements of a rich text section.
func (s Surface) richInline(els []obj) string {
	var b strings.Builder
	for _, el := range els {
		var h string
		switch str(el, "type") {
		case "text":
			h = strings.ReplaceAll(html.EscapeString(str(el, "text")), "\n", "<br>")
		case "link":
			label := str(el, "text")
			if label == "" {
				label = str(el, "url")
			}
			h = `<a href="` + attr(str(el, "url")) + `" target="_blank" rel="noopener">` + html.EscapeString(label) + `</a>`
		case "user":
			h = token("@"+str(el, "user_id"), s.Dir)
		case "usergroup":
			h = token("!subteam^"+str(el, "usergroup_id"), s.Dir)
		case "channel":
			h = token("#"+str(el, "channel_id"), s.Dir)
		case "broadcast":
			h = token("!"+str(el, "range"), s.Dir)
		case "emoji":
			h = Emoji(":" + str(el, "name") + ":")
		default:
			h = `<span class="` + Unsupported + `">` + Unsupported + ` rich text element: ` + attr(str(el, "type")) + `</span>`
		}
		st := child(el, "style")
		for _, f := range []struct{ key, tag string }{{"code", "code"}, {"bold", "b"}, {"italic", "i"}, {"strike", "s"}} {
			if on, _ := st[f.key].(bool); on {
				h = "<" + f.tag + ">" + h + "</" + f.tag + ">"
			}
		}
		b.WriteString(h)
	}
	return b.String()
}
