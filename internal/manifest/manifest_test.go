package manifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/slack-go/slack"
	"go.yaml.in/yaml/v3"

	"github.com/dbrestore/db-restore/internal/slackapp"
)

const (
	manifestPath = "../../manifest.yml"
	schemaPath   = "testdata/manifest.schema.v1.json"
)

// wantScopes are the bot scopes the code needs; manifest.yml says why each.
var wantScopes = []string{"chat:write", "chat:write.public", "commands", "im:write", "usergroups:read", "users:read"}

func readManifest(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatalf("read manifest: %v", err)
	}
	return data
}

// decodeStrict decodes a one-document YAML manifest into slack.Manifest,
// refusing keys that slack.Manifest does not know.
func decodeStrict(data []byte) (slack.Manifest, error) {
	var m slack.Manifest
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return slack.Manifest{}, err
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return slack.Manifest{}, errors.New("manifest has more than one YAML document")
	}
	return m, nil
}

// lookaheads maps the schema's patterns that Go's RE2 cannot compile (they
// use lookahead) to RE2 patterns matching the same strings.
var lookaheads = map[string]string{
	// A domain: [-a-z0-9.]+ then [a-z0-9], not starting with . or -.
	`^(?![\.\-])([-a-z0-9\.])+([a-z0-9])$`: `^[a-z0-9][-a-z0-9.]*[a-z0-9]$`,
}

// compileRegexp compiles schema patterns with RE2, translating the known
// lookahead patterns; any other pattern RE2 refuses fails the test, so a
// schema update cannot silently drop a check.
func compileRegexp(pattern string) (jsonschema.Regexp, error) {
	if re2, ok := lookaheads[pattern]; ok {
		pattern = re2
	}
	return regexp.Compile(pattern)
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(compileRegexp)
	sch, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return sch
}

// validate checks a YAML manifest against the JSON Schema, going through
// JSON so that the values have the types the validator expects.
func validate(sch *jsonschema.Schema, data []byte) error {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return err
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

func TestManifestDecodesStrictly(t *testing.T) {
	m, err := decodeStrict(readManifest(t))
	if err != nil {
		t.Fatalf("strict decode: %v", err)
	}
	if m.Metadata.MajorVersion != 1 {
		t.Errorf("_metadata.major_version = %d, want 1 (the schema this test checks)", m.Metadata.MajorVersion)
	}
	s := m.Settings
	if !s.SocketModeEnabled {
		t.Error("settings.socket_mode_enabled is off")
	}
	if s.Interactivity == nil || !s.Interactivity.IsEnabled {
		t.Error("settings.interactivity.is_enabled is off: buttons and modals would not reach the bot")
	} else if s.Interactivity.RequestUrl != "" {
		t.Errorf("interactivity request_url %q set; Socket Mode needs none", s.Interactivity.RequestUrl)
	}
	if s.TokenRotationEnabled {
		t.Error("settings.token_rotation_enabled is on; the bot cannot refresh tokens")
	}
	if s.OrgDeployEnabled {
		t.Error("settings.org_deploy_enabled is on")
	}
	// The bot handles one event: app_home_opened, for the Home tab.
	if e := s.EventSubscriptions; e == nil || !slices.Equal(e.BotEvents, []string{"app_home_opened"}) || len(e.UserEvents) > 0 || e.RequestUrl != "" {
		t.Errorf("event_subscriptions %+v, want bot event app_home_opened only, no request_url (Socket Mode)", e)
	}

	f := m.Features
	if f.BotUser.DisplayName == "" {
		t.Error("features.bot_user.display_name is empty")
	}
	if !f.AppHome.MessagesTabEnabled {
		t.Error("features.app_home.messages_tab_enabled is off: requesters would not see the bot's DMs")
	}
	if !f.AppHome.HomeTabEnabled {
		t.Error("features.app_home.home_tab_enabled is off: views.publish would answer not_enabled")
	}
	want := []slack.Shortcut{{Name: "Restore a database…", CallbackID: slackapp.ShortcutCallbackID,
		Description: "Request a database restore with this message as its ticket", Type: slack.MessageShortcut}}
	if diff := cmp.Diff(want, f.Shortcuts); diff != "" {
		t.Errorf("shortcuts (-want +got):\n%s", diff)
	}
	if len(f.SlashCommands) != 1 {
		t.Fatalf("slash commands %+v, want exactly /db-restore", f.SlashCommands)
	}
	c := f.SlashCommands[0]
	if c.Command != "/db-restore" || c.Description == "" || c.UsageHint == "" {
		t.Errorf("slash command %+v, want /db-restore with a description and a usage hint", c)
	}
	if c.Url != "" || c.ShouldEscape {
		t.Errorf("slash command url %q, should_escape %v; want no url (Socket Mode) and raw text", c.Url, c.ShouldEscape)
	}

	scopes := m.OAuthConfig.Scopes
	got := slices.Sorted(slices.Values(scopes.Bot))
	if diff := cmp.Diff(wantScopes, got); diff != "" {
		t.Errorf("bot scopes (-want +got):\n%s", diff)
	}
	if len(scopes.User)+len(scopes.BotOptional)+len(scopes.UserOptional) > 0 {
		t.Errorf("scopes %+v: want bot scopes only", scopes)
	}
}

func TestManifestMatchesSchema(t *testing.T) {
	if err := validate(compileSchema(t), readManifest(t)); err != nil {
		t.Fatalf("manifest.yml does not match Slack's schema:\n%v", err)
	}
}

// Each mistake must be caught; typos in keys by both checks.
func TestManifestMistakesAreCaught(t *testing.T) {
	sch := compileSchema(t)
	orig := string(readManifest(t))
	tests := []struct {
		name        string
		old, new    string
		decodeFails bool
	}{
		{"typo in a settings key", "socket_mode_enabled:", "socket_mode_enable:", true},
		{"typo in a slash command key", "usage_hint:", "usage_hnt:", true},
		{"typo in a section", "oauth_config:", "oauth_configs:", true},
		{"typo in the scopes key", "  scopes:", "  scope:", true},
		{"typo in a top-level key", "display_information:", "display_info:", true},
		{"command without slash", "- command: /db-restore", "- command: db-restore", false},
		{"name too long", "name: DB Restore", "name: " + strings.Repeat("x", 36), false},
		// yaml.v3 reads the YAML 1.1 boolean "yes" into a bool; only the
		// schema sees that Slack would get a string.
		{"interactivity as a string", "is_enabled: true", `is_enabled: "yes"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(orig, tt.old, tt.new, 1)
			if bad == orig {
				t.Fatalf("%q not found in manifest.yml; update the test", tt.old)
			}
			if err := validate(sch, []byte(bad)); err == nil {
				t.Error("schema accepted the broken manifest")
			}
			_, err := decodeStrict([]byte(bad))
			if tt.decodeFails && err == nil {
				t.Error("strict decode accepted the broken manifest")
			}
		})
	}
}

func TestLookaheadTranslation(t *testing.T) {
	for pattern := range lookaheads {
		re, err := compileRegexp(pattern)
		if err != nil {
			t.Fatalf("compile %q: %v", pattern, err)
		}
		for s, want := range map[string]bool{
			"example.com": true, "a-b.c0": true, "ab": true, "9.9": true,
			"a": false, ".example.com": false, "-example.com": false, "example.com.": false,
			"example.com-": false, "Example.com": false, "exa mple.com": false, "": false,
		} {
			if got := re.MatchString(s); got != want {
				t.Errorf("pattern %q on %q = %v, want %v", pattern, s, got, want)
			}
		}
	}
}

// The schema copy is the one testdata/README.md names (by sha256): an edit
// to it must come with a new upstream copy and a new recorded hash. The
// check needs nothing outside the repository.
func TestSchemaCopyIsTheRecordedOne(t *testing.T) {
	got, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatalf("read schema copy: %v", err)
	}
	readme, err := os.ReadFile("testdata/README.md")
	if err != nil {
		t.Fatalf("read testdata/README.md: %v", err)
	}
	sum := sha256.Sum256(got)
	if h := hex.EncodeToString(sum[:]); !bytes.Contains(readme, []byte(h)) {
		t.Errorf("%s has sha256 %s, which testdata/README.md does not record", schemaPath, h)
	}
}
