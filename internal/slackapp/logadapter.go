package slackapp

import (
	"fmt"

	"github.com/rs/zerolog"
)

// zerologAdapter lets slack-go log through zerolog at debug level. slack-go
// only logs through it with OptionDebug, which we never set: its debug output
// includes message payloads.
type zerologAdapter struct{ log zerolog.Logger }

func (z zerologAdapter) Output(_ int, s string) error {
	z.log.Debug().Str("component", "slack-go").Msg(s)
	return nil
}

func (z zerologAdapter) Print(v ...any)                 { z.Output(2, fmt.Sprint(v...)) }
func (z zerologAdapter) Printf(format string, v ...any) { z.Output(2, fmt.Sprintf(format, v...)) }
func (z zerologAdapter) Println(v ...any)               { z.Output(2, fmt.Sprintln(v...)) }
