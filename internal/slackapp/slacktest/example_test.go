package slacktest_test

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// A bot built with slack-go talks to the fake as it would to Slack; the fake
// records what Slack would show and every rule the bot broke.
func Example() {
	fake, err := slacktest.NewServer(slacktest.Options{BotToken: "xoxb-1", AppToken: "xapp-1"})
	if err != nil {
		panic(err)
	}
	defer fake.Close()

	api := slack.New("xoxb-1", slack.OptionAppLevelToken("xapp-1"), slack.OptionAPIURL(fake.APIURL()))
	// socketmode.New(api) would connect to the fake's websocket the same way.
	if _, _, err := api.PostMessageContext(context.Background(), "C1", slack.MsgOptionText("restore db1?", false)); err != nil {
		panic(err)
	}

	for _, m := range fake.Messages("C1") {
		fmt.Println(m.User, m.Text)
	}
	fmt.Println("violations:", len(fake.Violations()))
	// Output:
	// U0FAKEBOT restore db1?
	// violations: 0
}
