package restore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// TableCloud is what the validator reads for table restores. *Client
// satisfies it.
type TableCloud interface {
	TablesAt(ctx context.Context, instanceID string, t time.Time, database, table string) ([]Database, error)
	CurrentTables(ctx context.Context, instanceID string, t time.Time, database, table string) ([]Database, error)
}

var _ TableCloud = (*Client)(nil)

// WithTables lets the validator check table restores, reading tables from
// tc (usually the same *Client as its Cloud); without it they are refused.
func (v *Validator) WithTables(tc TableCloud) *Validator {
	v.tables = tc
	return v
}

const acceptTables = `database.table names separated by commas, or database.* for every table the database had at the time, e.g. tables="shop.orders,shop.payments"`

// validateTables checks a table restore: the source is ACTIVE, the time is
// in a window, every table existed then, and no new name meets a table that
// exists now or another new name.
func (v *Validator) validateTables(ctx context.Context, s Spec) (Plan, error) {
	tc := v.tables
	if tc == nil {
		return Plan{}, &FieldError{Field: FieldTables, Problem: "table restores cannot be checked here", Accepted: "a backup= or time= restore of a whole instance"}
	}
	if strings.TrimSpace(s.Target) != "" {
		return Plan{}, &FieldError{Field: FieldTarget,
			Problem:  "a table restore always writes new tables into the source instance itself, so target= does not apply",
			Accepted: "no target=; the tables come back into the source under new names and nothing existing is changed"}
	}
	if s.BackupID != "" || s.Time.IsZero() {
		return Plan{}, &FieldError{Field: FieldTime, Problem: "a table restore needs a point in time, not a backup",
			Accepted: "time= inside one of the source's restorable windows"}
	}
	if s.Suffix != "" {
		if err := CheckSuffix(s.Suffix); err != nil {
			return Plan{}, &FieldError{Field: FieldSuffix, Problem: err.Error(), Accepted: "a short word such as restored or before_incident"}
		}
	}
	refs, err := parseTableRefs(s.Tables)
	if err != nil {
		return Plan{}, err
	}
	src, err := v.resolve(ctx, FieldSource, s.Source)
	if err != nil {
		return Plan{}, err
	}
	if src.Status != "ACTIVE" {
		return Plan{}, &FieldError{Field: FieldSource, Problem: fmt.Sprintf("source %s is %s", describe(src), orUnknown(src.Status)), Accepted: acceptActive}
	}
	t := s.Time.UTC().Truncate(time.Millisecond)
	w, err := v.checkTime(ctx, src, t, true)
	if err != nil {
		return Plan{}, err
	}
	renames, err := v.expand(ctx, tc, src, t, refs, s.Suffix)
	if err != nil {
		return Plan{}, err
	}
	if err := v.checkNewNames(ctx, tc, src, t, renames); err != nil {
		return Plan{}, err
	}
	return Plan{Source: src, Target: src, Type: TypeTables, RestoreTime: t, Window: &w, Tables: renames}, nil
}

// tableRef is one entry of tables=: a table, or every table (Table "*").
type tableRef struct{ Database, Table string }

func parseTableRefs(entries []string) ([]tableRef, error) {
	var out []tableRef
	for _, e := range entries {
		e = strings.TrimSpace(e)
		db, table, ok := strings.Cut(e, ".")
		if !ok || strings.Contains(table, ".") {
			return nil, &FieldError{Field: FieldTables, Problem: fmt.Sprintf("%q is not database.table", e), Accepted: acceptTables}
		}
		if err := CheckIdentifier(db); err != nil {
			return nil, &FieldError{Field: FieldTables, Problem: "database " + err.Error(), Accepted: acceptTables}
		}
		if table != "*" {
			if err := CheckIdentifier(table); err != nil {
				return nil, &FieldError{Field: FieldTables, Problem: "table " + err.Error(), Accepted: acceptTables}
			}
		}
		out = append(out, tableRef{db, table})
	}
	if len(out) == 0 {
		return nil, &FieldError{Field: FieldTables, Problem: "no table was named", Accepted: acceptTables}
	}
	return out, nil
}

// expand turns the references into renames, asking which tables each
// database had at t, and refuses a table that did not exist then.
func (v *Validator) expand(ctx context.Context, tc TableCloud, src Instance, t time.Time, refs []tableRef, suffix string) ([]TableRename, error) {
	then := map[string][]string{} // database -> tables at t
	for _, r := range refs {
		if _, done := then[r.Database]; done {
			continue
		}
		dbs, err := tc.TablesAt(ctx, src.ID, t, r.Database, "")
		if err != nil {
			return nil, fmt.Errorf("tables of source at restore time: %w", err)
		}
		then[r.Database] = []string{}
		for _, d := range dbs {
			if d.Name == r.Database {
				then[r.Database] = d.Tables
			}
		}
	}
	seen := map[string]bool{}
	var out []TableRename
	add := func(db, table string) {
		if key := db + "." + table; !seen[key] {
			seen[key] = true
			out = append(out, TableRename{Database: db, OldName: table, NewName: NewTableName(table, suffix, t)})
		}
	}
	var missing []string
	for _, r := range refs {
		tables := then[r.Database]
		switch {
		case r.Table == "*" && len(tables) == 0:
			missing = append(missing, r.Database+".* (the database had no tables then)")
		case r.Table == "*":
			for _, name := range tables {
				add(r.Database, name)
			}
		case slices.Contains(tables, r.Table):
			add(r.Database, r.Table)
		default:
			missing = append(missing, r.Database+"."+r.Table+hint(tables, r.Table))
		}
		if len(out) > v.maxTables {
			break
		}
	}
	if len(missing) > 0 {
		return nil, &FieldError{Field: FieldTables,
			Problem:  fmt.Sprintf("not there at %s in %s: %s", formatUTC(t), describe(src), strings.Join(missing, ", ")),
			Accepted: "tables that existed at the restore time (the form lists them)"}
	}
	if len(out) > v.maxTables {
		return nil, &FieldError{Field: FieldTables,
			Problem:  fmt.Sprintf("more than %d tables were asked for", v.maxTables),
			Accepted: fmt.Sprintf("at most %d tables per request (RESTORE_MAX_TABLES); split the restore into several requests", v.maxTables)}
	}
	SortRenames(out)
	return out, nil
}

// hint names a table that differs only in letter case, if there is one.
func hint(tables []string, want string) string {
	for _, name := range tables {
		if strings.EqualFold(name, want) {
			return fmt.Sprintf(" (did you mean %s?)", name)
		}
	}
	return ""
}

// checkNewNames refuses new names that meet a table existing now or each
// other. Names are compared without regard to case, which is how an
// instance with lower_case_table_names=1 compares them and is never less
// safe. It also marks which old tables still exist.
func (v *Validator) checkNewNames(ctx context.Context, tc TableCloud, src Instance, t time.Time, renames []TableRename) error {
	now := map[string]map[string]bool{} // database -> lower-case names today
	for _, r := range renames {
		if _, done := now[r.Database]; done {
			continue
		}
		dbs, err := tc.CurrentTables(ctx, src.ID, t, r.Database, "")
		if err != nil {
			return fmt.Errorf("current tables of source: %w", err)
		}
		now[r.Database] = map[string]bool{}
		for _, d := range dbs {
			if d.Name != r.Database {
				continue
			}
			for _, name := range d.Tables {
				now[r.Database][strings.ToLower(name)] = true
			}
		}
	}
	fresh := map[string]string{}
	var clashes []string
	for i, r := range renames {
		key := strings.ToLower(r.New())
		switch {
		case now[r.Database][strings.ToLower(r.NewName)]:
			clashes = append(clashes, r.New()+" already exists")
		case fresh[key] != "":
			clashes = append(clashes, fmt.Sprintf("%s would be the new name of both %s and %s", r.New(), fresh[key], r.Old()))
		}
		fresh[key] = r.Old()
		renames[i].Live = now[r.Database][strings.ToLower(r.OldName)]
	}
	if len(clashes) > 0 {
		return &FieldError{Field: FieldSuffix, Problem: "new table names collide: " + strings.Join(clashes, "; "),
			Accepted: `another suffix= (e.g. suffix="restored2"), so every new name is free`}
	}
	return nil
}

// recheckTables repeats, just before the call, what can change while
// people approve: the source is ACTIVE, the time is in a window, and no
// new name has been taken since.
func (v *Validator) recheckTables(ctx context.Context, p Plan) error {
	tc := v.tables
	if tc == nil {
		return fmt.Errorf("recheck: table restores cannot be checked here")
	}
	src, err := v.cloud.Instance(ctx, p.Source.ID)
	if IsNotFound(err) {
		return &FieldError{Field: FieldSource, Problem: fmt.Sprintf("instance %s no longer exists", p.Source.ID), Accepted: acceptInstance}
	}
	if err != nil {
		return fmt.Errorf("recheck source: %w", err)
	}
	if src.Status != "ACTIVE" {
		return &FieldError{Field: FieldSource, Problem: fmt.Sprintf("source %s is %s", describe(src), orUnknown(src.Status)), Accepted: acceptActive}
	}
	if _, err := v.checkTime(ctx, src, p.RestoreTime, false); err != nil {
		return err
	}
	renames := slices.Clone(p.Tables)
	return v.checkNewNames(ctx, tc, src, p.RestoreTime, renames)
}
