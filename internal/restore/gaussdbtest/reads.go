package gaussdbtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

type datastoreJSON struct {
	Type          string `json:"type"`
	Version       string `json:"version"`
	KernelVersion string `json:"kernel_version,omitempty"`
}

type tagJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type instanceJSON struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	ProjectID string        `json:"project_id,omitempty"` // detail only
	Status    string        `json:"status"`
	Type      string        `json:"type"`
	Port      string        `json:"port"`
	NodeCount int           `json:"node_count,omitempty"` // detail only
	Datastore datastoreJSON `json:"datastore"`
	Created   string        `json:"created"`
	Updated   string        `json:"updated"`
	TimeZone  string        `json:"time_zone"`
	Tags      []tagJSON     `json:"tags"`
	netJSON                 // network, zone, flavor (newinstance_json.go)
}

func (s *Server) instanceJSON(in *Instance, detail bool) instanceJSON {
	j := instanceJSON{
		ID: in.ID, Name: in.Name, Status: in.Status, Type: "Cluster", Port: "3306",
		Datastore: datastoreJSON{Type: in.Type, Version: in.Version, KernelVersion: "2.0.57.240900"},
		Created:   "2026-01-05T08:00:00+0000", Updated: "2026-01-05T08:00:00+0000",
		TimeZone: "UTC+08:00", Tags: []tagJSON{},
	}
	for _, k := range sortedKeys(in.Tags) {
		j.Tags = append(j.Tags, tagJSON{Key: k, Value: in.Tags[k]})
	}
	if detail {
		j.ProjectID, j.NodeCount = s.opts.ProjectID, 2
	}
	s.addNet(&j, in, detail)
	return j
}

// paging reads offset and limit (0..; 1..100, default 100).
func paging(q url.Values) (offset, limit int, err error) {
	offset, limit = 0, 100
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, fmt.Errorf("invalid offset %q", v)
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 100 {
			return 0, 0, fmt.Errorf("invalid limit %q", v)
		}
	}
	return offset, limit, nil
}

func page[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return []T{}
	}
	end := min(offset+limit, len(items))
	return items[offset:end]
}

func (s *Server) listInstances(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit, err := paging(q)
	if err != nil {
		writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: "+err.Error())
		return
	}
	name := q.Get("name")
	if name != "" && strings.Trim(name, "*") == "" {
		writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: name cannot contain only asterisks")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []instanceJSON
	for _, in := range s.instances {
		if id := q.Get("id"); id != "" && id != in.ID {
			continue
		}
		if name != "" && !nameMatches(name, in.Name) {
			continue
		}
		if dt := q.Get("datastore_type"); dt != "" && dt != in.Type {
			continue
		}
		if t := q.Get("type"); t != "" && t != "Cluster" {
			continue
		}
		match = append(match, s.instanceJSON(in, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"instances":   page(match, offset, limit),
		"total_count": len(match),
	})
}

// nameMatches applies the API's name filter: a leading * is a fuzzy match.
func nameMatches(filter, name string) bool {
	if rest, ok := strings.CutPrefix(filter, "*"); ok {
		return strings.Contains(name, rest)
	}
	return filter == name
}

func (s *Server) showInstance(w http.ResponseWriter, r *http.Request) {
	if s.faultShow(w) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.instance(r.PathValue("id"))
	if in == nil {
		s.notFound(w, r.PathValue("id"))
		return
	}
	s.advanceBuild(in) // a new instance builds as it is read (newinstance.go)
	writeJSON(w, http.StatusOK, map[string]any{"instance": s.instanceJSON(in, true)})
}

type parameterJSON struct {
	Name            string `json:"name"`
	Value           string `json:"value"`
	RestartRequired bool   `json:"restart_required"`
	Readonly        bool   `json:"readonly"`
	ValueRange      string `json:"value_range"`
	Type            string `json:"type"`
	Description     string `json:"description"`
}

// parameters is an instance's parameter list: enough entries that
// lower_case_table_names is on the second page of 100.
func parameters(in *Instance) []parameterJSON {
	var ps []parameterJSON
	for i := 0; i < 130; i++ {
		if i == 117 && in.LowerCaseTableNames != Missing {
			ps = append(ps, parameterJSON{
				Name: "lower_case_table_names", Value: in.LowerCaseTableNames, RestartRequired: true,
				Readonly: true, ValueRange: "0-1", Type: "integer",
				Description: "Whether table names are stored in lower case and compared case-insensitively.",
			})
			continue
		}
		ps = append(ps, parameterJSON{
			Name: fmt.Sprintf("fake_param_%03d", i), Value: strconv.Itoa(i), ValueRange: "0-1000",
			Type: "integer", Description: "A filler parameter.",
		})
	}
	return ps
}

func (s *Server) listConfigurations(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r.URL.Query())
	if err != nil {
		writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.instance(r.PathValue("id"))
	if in == nil {
		s.notFound(w, r.PathValue("id"))
		return
	}
	ps := parameters(in)
	writeJSON(w, http.StatusOK, map[string]any{
		"configurations": map[string]string{
			"datastore_version_name": in.Version, "datastore_name": in.Type,
			"created": "2026-01-05T08:00:00+0000", "updated": "2026-01-05T08:00:00+0000",
		},
		"total_count":      len(ps),
		"parameter_values": page(ps, offset, limit),
	})
}

func (s *Server) restoreTime(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	if s.instance(id) == nil {
		s.notFound(w, id)
		return
	}
	type window struct {
		Start int64 `json:"start_time"`
		End   int64 `json:"end_time"`
	}
	out := []window{}
	for _, win := range s.windows[id] {
		out = append(out, window{Start: win.Start.UnixMilli(), End: win.End.UnixMilli()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"restore_times": out})
}

type backupJSON struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	BeginTime    string        `json:"begin_time"`
	EndTime      string        `json:"end_time,omitempty"`
	Status       string        `json:"status"`
	TakeUpTime   int           `json:"take_up_time"`
	Type         string        `json:"type"`
	Size         float64       `json:"size"`
	Datastore    datastoreJSON `json:"datastore"`
	InstanceID   string        `json:"instance_id"`
	InstanceName string        `json:"instance_name"`
	BackupLevel  string        `json:"backup_level"`
	Description  string        `json:"description"`
}

func (s *Server) listBackups(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit, err := paging(q)
	if err != nil {
		writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []backupJSON
	for _, b := range s.backups {
		if v := q.Get("instance_id"); v != "" && v != b.InstanceID {
			continue
		}
		if v := q.Get("backup_id"); v != "" && v != b.ID {
			continue
		}
		if v := q.Get("backup_type"); v != "" && v != b.Type {
			continue
		}
		j := backupJSON{
			ID: b.ID, Name: b.Name, BeginTime: apiTime(b.Begin), EndTime: apiTime(b.End),
			Status: b.Status, TakeUpTime: b.TakeUpMinutes, Type: b.Type, Size: b.SizeMB,
			InstanceID: b.InstanceID, BackupLevel: "0",
		}
		if in := s.instance(b.InstanceID); in != nil {
			j.InstanceName = in.Name
			j.Datastore = datastoreJSON{Type: in.Type, Version: in.Version}
		}
		match = append(match, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"backups":     page(match, offset, limit),
		"total_count": len(match),
	})
}
