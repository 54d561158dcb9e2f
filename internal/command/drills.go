package command

import "strings"

// Drills is `drills`: every restore drill with its last run and next run.
type Drills struct{}

// DrillNow is `drill NAME now`: run one drill at once (admins).
type DrillNow struct{ Name string }

func (Drills) isCommand()   {}
func (DrillNow) isCommand() {}

// parseDrill reads `drill NAME now`.
func parseDrill(args []token) (Command, error) {
	const want = "drill takes a drill's name and now, e.g. drill orders-weekly now; drills lists them"
	if len(args) != 2 || args[0].hasKey || args[1].hasKey || strings.ToLower(args[1].value) != "now" {
		return nil, usageErr(want)
	}
	name := strings.TrimSpace(args[0].value)
	if name == "" || strings.ContainsAny(name, " \t\n<>&") || len(name) > 64 {
		return nil, usageErr("drill name %s is not a drill name (letters, digits, '.', '_', '-'); %s", show(name), want)
	}
	return DrillNow{Name: name}, nil
}
