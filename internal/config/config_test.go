package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func valid() map[string]string {
	return map[string]string{
		"SLACK_APP_TOKEN":            "xapp-1-A1-1-abc",
		"SLACK_BOT_TOKEN":            "xoxb-1-2-abc",
		"HUAWEICLOUD_SDK_AK":         "AK",
		"HUAWEICLOUD_SDK_SK":         "SK",
		"HUAWEICLOUD_SDK_PROJECT_ID": "p1",
		"HUAWEICLOUD_REGION":         "ap-southeast-1",
		"RESTORE_APPROVERS":          "U01,S02",
	}
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(valid()))
	if err != nil {
		t.Fatal(err)
	}
	if c.SlackAPIURL != "https://slack.com/api/" || c.RequestTTL != 30*time.Minute || c.JobPollInterval != 15*time.Second ||
		c.JobTimeout != 6*time.Hour || c.RemindAfter != 10*time.Minute || c.ReconcileAfter != 10*time.Minute || c.HealthAddr != ":8080" || c.DryRun ||
		c.MaxOpenPerUser != 3 || c.CommandsPerMinute != 20 {
		t.Fatalf("defaults: got %+v", c)
	}
	if strings.Join(c.Approvers, ",") != "U01,S02" {
		t.Fatalf("approvers: got %v", c.Approvers)
	}
	if c.MaxTables != 100 {
		t.Errorf("RESTORE_MAX_TABLES default %d, want 100", c.MaxTables)
	}
	m := valid()
	m["RESTORE_MAX_TABLES"] = "7"
	if c, err := Load(env(m)); err != nil || c.MaxTables != 7 {
		t.Errorf("RESTORE_MAX_TABLES=7: %d, %v", c.MaxTables, err)
	}
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]string
		want []string // variables named in the error
	}{
		{"nothing set", map[string]string{"SLACK_APP_TOKEN": "", "SLACK_BOT_TOKEN": "", "HUAWEICLOUD_SDK_AK": "", "HUAWEICLOUD_SDK_SK": "", "RESTORE_APPROVERS": ""},
			[]string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "HUAWEICLOUD_SDK_AK", "RESTORE_APPROVERS"}},
		{"swapped tokens", map[string]string{"SLACK_APP_TOKEN": "xoxb-1", "SLACK_BOT_TOKEN": "xapp-1"}, []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN"}},
		{"bad approver", map[string]string{"RESTORE_APPROVERS": "U01,@alice"}, []string{"RESTORE_APPROVERS"}},
		{"channel name", map[string]string{"RESTORE_APPROVAL_CHANNEL": "#dba"}, []string{"RESTORE_APPROVAL_CHANNEL"}},
		{"bad ttl", map[string]string{"RESTORE_REQUEST_TTL": "30"}, []string{"RESTORE_REQUEST_TTL"}},
		{"bad reconcile window", map[string]string{"RESTORE_RECONCILE_AFTER": "10"}, []string{"RESTORE_RECONCILE_AFTER"}},
		{"reconcile window shorter than the call", map[string]string{"RESTORE_RECONCILE_AFTER": "30s"}, []string{"RESTORE_RECONCILE_AFTER"}},
		{"call timeout longer than the reconcile window", map[string]string{"RESTORE_RECONCILE_AFTER": "2m", "RESTORE_CALL_TIMEOUT": "3m"}, []string{"RESTORE_RECONCILE_AFTER"}},
		{"bad call timeout", map[string]string{"RESTORE_CALL_TIMEOUT": "forever"}, []string{"RESTORE_CALL_TIMEOUT"}},
		{"bad dry run", map[string]string{"RESTORE_DRY_RUN": "maybe"}, []string{"RESTORE_DRY_RUN"}},
		{"no project", map[string]string{"HUAWEICLOUD_SDK_PROJECT_ID": ""}, []string{"HUAWEICLOUD_SDK_PROJECT_ID"}},
		{"no region nor endpoint", map[string]string{"HUAWEICLOUD_REGION": ""}, []string{"HUAWEICLOUD_REGION"}},
		{"sk alone", map[string]string{"HUAWEICLOUD_SDK_AK": ""}, []string{"HUAWEICLOUD_SDK_AK"}},
		{"redis scheme", map[string]string{"REDIS_URL": "http://x"}, []string{"REDIS_URL"}},
		{"log level", map[string]string{"LOG_LEVEL": "loud"}, []string{"LOG_LEVEL"}},
		{"health addr", map[string]string{"HEALTH_ADDR": "8080"}, []string{"HEALTH_ADDR"}},
		{"max open not a number", map[string]string{"RESTORE_MAX_OPEN_PER_USER": "three"}, []string{"RESTORE_MAX_OPEN_PER_USER"}},
		{"max open negative", map[string]string{"RESTORE_MAX_OPEN_PER_USER": "-1"}, []string{"RESTORE_MAX_OPEN_PER_USER"}},
		{"rate too high", map[string]string{"RESTORE_USER_COMMANDS_PER_MINUTE": "100000"}, []string{"RESTORE_USER_COMMANDS_PER_MINUTE"}},
		{"rate with unit", map[string]string{"RESTORE_USER_COMMANDS_PER_MINUTE": "20/m"}, []string{"RESTORE_USER_COMMANDS_PER_MINUTE"}},
		{"max tables zero", map[string]string{"RESTORE_MAX_TABLES": "0"}, []string{"RESTORE_MAX_TABLES"}},
		{"max tables word", map[string]string{"RESTORE_MAX_TABLES": "many"}, []string{"RESTORE_MAX_TABLES"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			for k, v := range tt.set {
				m[k] = v
			}
			_, err := Load(env(m))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want a configuration error", err)
			}
			var ce *Error
			errors.As(err, &ce)
			if len(ce.Lines) != len(tt.want) {
				t.Errorf("got %d problems %q, want %v", len(ce.Lines), ce.Lines, tt.want)
			}
			for _, name := range tt.want {
				if !strings.Contains(err.Error(), name+" ") {
					t.Errorf("error %q does not name %s", err, name)
				}
			}
		})
	}
}

func TestLimitsTurnOff(t *testing.T) {
	m := valid()
	m["RESTORE_MAX_OPEN_PER_USER"], m["RESTORE_USER_COMMANDS_PER_MINUTE"] = "0", "0"
	c, err := Load(env(m))
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxOpenPerUser != 0 || c.CommandsPerMinute != 0 {
		t.Fatalf("limits: got %d open, %d a minute; want 0 and 0 (off)", c.MaxOpenPerUser, c.CommandsPerMinute)
	}
}

func TestDryRunNeedsNoCloud(t *testing.T) {
	m := valid()
	for _, k := range []string{"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID", "HUAWEICLOUD_REGION"} {
		delete(m, k)
	}
	m["RESTORE_DRY_RUN"] = "true"
	c, err := Load(env(m))
	if err != nil {
		t.Fatal(err)
	}
	if c.CloudConfigured() || !c.DryRun {
		t.Fatalf("got %+v", c)
	}
}

func TestSecretsNeverInError(t *testing.T) {
	m := valid()
	m["HUAWEICLOUD_SDK_SK"] = "super-secret-sk"
	m["HUAWEICLOUD_SDK_PROJECT_ID"] = ""
	m["SLACK_BOT_TOKEN"] = "xoxp-secret-user-token"
	_, err := Load(env(m))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, secret := range []string{"super-secret-sk", "xoxp-secret-user-token"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains a secret", err)
		}
	}
}

// TestReconcileWindowNamesTheCallTimeout: a reconcile window shorter than
// the restore call's timeout is refused naming both, with their values.
func TestReconcileWindowNamesTheCallTimeout(t *testing.T) {
	m := valid()
	m["RESTORE_RECONCILE_AFTER"], m["RESTORE_CALL_TIMEOUT"] = "20s", "45s"
	_, err := Load(env(m))
	for _, want := range []string{"RESTORE_RECONCILE_AFTER (20s)", "RESTORE_CALL_TIMEOUT (45s)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	m["RESTORE_RECONCILE_AFTER"] = "45s"
	c, err := Load(env(m))
	if err != nil || c.RestoreCallTimeout != 45*time.Second {
		t.Errorf("equal window and timeout = %v, %v; want accepted, call timeout 45s", c.RestoreCallTimeout, err)
	}
}

// TestLoadTakesDefaults: a variable left unset takes Defaults' value, and
// the tuning is Defaults' with reconciling paced like the job polls.
func TestLoadTakesDefaults(t *testing.T) {
	c, err := Load(env(valid()))
	if err != nil {
		t.Fatal(err)
	}
	d := Defaults()
	// What the environment set, and the tokens, are not defaults.
	d.SlackAppToken, d.SlackBotToken, d.Approvers = c.SlackAppToken, c.SlackBotToken, c.Approvers
	d.CloudAK, d.CloudSK, d.CloudProjectID, d.CloudRegion = c.CloudAK, c.CloudSK, c.CloudProjectID, c.CloudRegion
	if !reflect.DeepEqual(c, d) {
		t.Errorf("Load of an environment with only the required variables:\n%+v\nDefaults:\n%+v", c, d)
	}
	m := valid()
	m["RESTORE_JOB_POLL_INTERVAL"] = "2s"
	if c, err := Load(env(m)); err != nil || c.ReconcileEvery != 2*time.Second {
		t.Errorf("RESTORE_JOB_POLL_INTERVAL=2s: reconcile every %s, %v", c.ReconcileEvery, err)
	}
	if tu := d.Tuning; tu.SweepInterval <= 0 || tu.LeaseTTL <= 0 || tu.Workers <= 0 || tu.HomeRate <= 0 || tu.ProgressInterval <= 0 || d.RestoreCallTimeout <= 0 {
		t.Errorf("a tuning default is unset: %+v", tu)
	}
}

func TestMaxNewInstances(t *testing.T) {
	m := valid()
	if c, err := Load(env(m)); err != nil || c.MaxNewInstances != 3 {
		t.Errorf("RESTORE_MAX_NEW_INSTANCES default: %d, %v; want 3", c.MaxNewInstances, err)
	}
	m["RESTORE_MAX_NEW_INSTANCES"] = "5"
	if c, err := Load(env(m)); err != nil || c.MaxNewInstances != 5 {
		t.Errorf("RESTORE_MAX_NEW_INSTANCES=5: %d, %v", c.MaxNewInstances, err)
	}
	m["RESTORE_MAX_NEW_INSTANCES"] = "0"
	if _, err := Load(env(m)); err == nil || !strings.Contains(err.Error(), "RESTORE_MAX_NEW_INSTANCES") {
		t.Errorf("RESTORE_MAX_NEW_INSTANCES=0: %v, want a refusal naming it", err)
	}
}
