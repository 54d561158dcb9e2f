package sandbox

import (
	"fmt"
	"html"
	"regexp"
	"strings"
)

// Directory names the people, groups and channels mentions point at.
type Directory interface {
	UserName(id string) string    // display name without "@"; "" when unknown
	GroupHandle(id string) string // handle without "@"; "" when unknown
	ChannelName(id string) string // name without "#"; "" when unknown
}

// emoji are the emoji the bot uses (and common neighbours), as Slack names
// them; anything else is shown as its :name:.
var emoji = map[string]string{
	"moneybag": "💰", "octagonal_sign": "🛑", "arrow_forward": "▶️", "building_construction": "🏗️",
	"card_file_box": "🗃️", "heavy_multiplication_x": "✖️",
	"warning": "⚠️", "x": "❌", "white_check_mark": "✅", "no_entry": "⛔", "information_source": "ℹ️",
	"grey_question": "❔", "snowflake": "❄️", "alarm_clock": "⏰", "inbox_tray": "📥", "wastebasket": "🗑️",
	"test_tube": "🧪", "shield": "🛡️", "rocket": "🚀", "hourglass_flowing_sand": "⏳", "hourglass": "⌛",
	"rotating_light": "🚨", "gear": "⚙️", "sunny": "☀️", "mag": "🔍", "construction": "🚧", "boom": "💥",
	"bell": "🔔", "ballot_box_with_check": "☑️", "arrows_counterclockwise": "🔄", "lock": "🔒",
	"unlock": "🔓", "house": "🏠", "clipboard": "📋", "eyes": "👀", "stopwatch": "⏱️", "tada": "🎉",
	"heavy_check_mark": "✔️", "large_green_circle": "🟢", "red_circle": "🔴", "large_yellow_circle": "🟡",
	"large_blue_circle": "🔵", "white_circle": "⚪", "black_circle": "⚫", "point_right": "👉",
	"fire": "🔥", "floppy_disk": "💾", "card_index_dividers": "🗂️", "file_cabinet": "🗄️", "key": "🔑",
	"memo": "📝", "pushpin": "📌", "speech_balloon": "💬", "hammer_and_wrench": "🛠️", "busts_in_silhouette": "👥",
	"bust_in_silhouette": "👤", "calendar": "📆", "clock3": "🕒", "no_entry_sign": "🚫", "arrow_right": "➡️",
	"repeat": "🔁", "zap": "⚡", "ok": "🆗", "new": "🆕", "thumbsup": "👍", "+1": "👍", "raised_hand": "✋",
	"leftwards_arrow_with_hook": "↩️", "twisted_rightwards_arrows": "🔀", "broom": "🧹", "link": "🔗",
	"bar_chart": "📊", "chart_with_upwards_trend": "📈", "scroll": "📜", "mailbox": "📫", "envelope": "✉️",
}

var (
	reToken  = regexp.MustCompile(`<([^<>\n]+)>`)
	reCode   = regexp.MustCompile("`([^`\n]+)`")
	reBold   = regexp.MustCompile(`(^|[^\w*])\*([^*\n]+?)\*`)
	reItalic = regexp.MustCompile(`(^|[^\w_])_([^_\n]+?)_`)
	reStrike = regexp.MustCompile(`(^|[^\w~])~([^~\n]+?)~`)
	reEmoji  = regexp.MustCompile(`:([a-z0-9_+\-']+):`)
	reQuote  = regexp.MustCompile(`(?m)^&gt; ?(.*)$`)
)

// Emoji renders :name: as the emoji when known.
func Emoji(s string) string {
	return reEmoji.ReplaceAllStringFunc(s, func(m string) string {
		if e, ok := emoji[m[1:len(m)-1]]; ok {
			return `<span class="emoji" title="` + m + `">` + e + `</span>`
		}
		return m
	})
}

// Mrkdwn renders Slack mrkdwn as HTML: *bold*, _italic_, ~strike~,
// `code`, ``` blocks, > quotes, links, user/group/channel mentions,
// special mentions and emoji. Text from the bot is already escaped the Slack
// way (&amp; &lt; &gt;); everything is escaped again for HTML.
func Mrkdwn(text string, dir Directory) string {
	var tokens []string
	hold := func(h string) string {
		tokens = append(tokens, h)
		return fmt.Sprintf("\x00%d\x00", len(tokens)-1)
	}
	// Code blocks first: nothing inside is formatted.
	parts := strings.Split(text, "```")
	for i := range parts {
		if i%2 == 1 && i < len(parts)-1 {
			parts[i] = hold(`<pre class="code">` + escapeSlack(parts[i]) + `</pre>`)
			continue
		}
		if i%2 == 1 { // an unclosed ``` is text
			parts[i] = "```" + parts[i]
		}
	}
	text = strings.Join(parts, "")
	text = reToken.ReplaceAllStringFunc(text, func(m string) string {
		return hold(token(m[1:len(m)-1], dir))
	})
	text = escapeSlack(text)
	text = reCode.ReplaceAllStringFunc(text, func(m string) string {
		return hold(`<code>` + m[1:len(m)-1] + `</code>`)
	})
	text = reBold.ReplaceAllString(text, `$1<b>$2</b>`)
	text = reItalic.ReplaceAllString(text, `$1<i>$2</i>`)
	text = reStrike.ReplaceAllString(text, `$1<s>$2</s>`)
	text = reQuote.ReplaceAllString(text, `<blockquote>$1</blockquote>`)
	text = Emoji(text)
	text = strings.ReplaceAll(text, "\n", "<br>")
	text = strings.ReplaceAll(text, "</blockquote><br>", "</blockquote>")
	for i := len(tokens) - 1; i >= 0; i-- {
		text = strings.ReplaceAll(text, fmt.Sprintf("\x00%d\x00", i), tokens[i])
	}
	return text
}

// Plain renders plain_text: escaped, emoji shown.
func Plain(text string) string {
	return strings.ReplaceAll(Emoji(html.EscapeString(text)), "\n", "<br>")
}

// escapeSlack turns Slack-escaped text into HTML-escaped text.
func escapeSlack(s string) string {
	s = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
	return html.EscapeString(s)
}

// token renders the inside of a <…> sequence.
func token(t string, dir Directory) string {
	target, label, hasLabel := strings.Cut(t, "|")
	mention := func(class, prefix, name string) string {
		return `<span class="mention ` + class + `">` + prefix + escapeSlack(name) + `</span>`
	}
	switch {
	case strings.HasPrefix(target, "@"):
		id := target[1:]
		name := dir.UserName(id)
		if name == "" {
			name = firstNonEmpty(label, id)
		}
		return mention("user", "@", name)
	case strings.HasPrefix(target, "#"):
		id := target[1:]
		name := dir.ChannelName(id)
		if name == "" {
			name = firstNonEmpty(label, id)
		}
		return mention("channel", "#", name)
	case strings.HasPrefix(target, "!subteam^"):
		id := strings.TrimPrefix(target, "!subteam^")
		name := dir.GroupHandle(id)
		if name == "" {
			name = firstNonEmpty(strings.TrimPrefix(label, "@"), id)
		}
		return mention("group", "@", name)
	case target == "!here" || target == "!channel" || target == "!everyone":
		return mention("special", "@", target[1:])
	case strings.HasPrefix(target, "!date^"):
		return escapeSlack(firstNonEmpty(label, target))
	case strings.HasPrefix(target, "!"):
		return escapeSlack(firstNonEmpty(label, target[1:]))
	}
	href := strings.NewReplacer("&amp;", "&").Replace(target)
	if !hasLabel {
		label = target
	}
	if !strings.HasPrefix(href, "http://") && !strings.HasPrefix(href, "https://") && !strings.HasPrefix(href, "mailto:") {
		return escapeSlack(label)
	}
	return `<a href="` + html.EscapeString(href) + `" target="_blank" rel="noopener">` + escapeSlack(label) + `</a>`
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
