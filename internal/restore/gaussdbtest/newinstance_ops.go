package gaussdbtest

import (
	"net/http"
	"sort"

	"github.com/dbrestore/db-restore/internal/restore"
)

// deleteInstance serves DeleteGaussMySqlInstance: the instance leaves the
// list at once (the real one goes to the recycle bin) and a
// DeleteGaussDBforMySQLInstance job follows.
func (s *Server) deleteInstance(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fresh.deletes = append(s.fresh.deletes, id)
	in := s.instance(id)
	if in == nil {
		s.notFound(w, id)
		return
	}
	j := s.newJob(restore.JobDeleteInstance, in, "", nil)
	for i, x := range s.instances {
		if x.ID == id {
			s.instances = append(s.instances[:i], s.instances[i+1:]...)
			break
		}
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"job_id": j.id})
}

// projectQuotas serves ShowGaussMySqlProjectQuotas (model.ProjectQuotas).
func (s *Server) projectQuotas(w http.ResponseWriter, r *http.Request) {
	if t := r.URL.Query().Get("type"); t != "" && t != "instance" {
		writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: type must be instance")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"quotas": map[string]any{"resources": []map[string]any{
		{"type": "instance", "used": len(s.instances), "quota": s.quotaLocked()},
	}}})
}

func (s *Server) quotaLocked() int {
	if s.fresh.quota > 0 {
		return s.fresh.quota
	}
	return DefaultInstanceQuota
}

// flavorJSON is a model.MysqlFlavorsInfo.
type flavorJSON struct {
	Vcpus        string            `json:"vcpus"`
	RAM          string            `json:"ram"`
	Type         string            `json:"type"`
	ID           string            `json:"id"`
	SpecCode     string            `json:"spec_code"`
	VersionName  string            `json:"version_name"`
	InstanceMode string            `json:"instance_mode"`
	AzStatus     map[string]string `json:"az_status"`
}

// catalogue are the flavors on sale besides those the instances use.
var catalogue = []string{DefaultFlavor, "gaussdb.mysql.2xlarge.x86.8", "gaussdb.mysql.4xlarge.x86.16"}

// flavorsLocked is the flavor list: the catalogue and every instance's
// flavor, normal in the default zones and every instance's zone unless
// overridden; the caller holds s.mu.
func (s *Server) flavorsLocked(version string) []flavorJSON {
	specs, zones := map[string]bool{}, map[string]bool{DefaultAZ: true, "cn-north-4b": true, "cn-north-4c": true}
	for _, c := range catalogue {
		specs[c] = true
	}
	for _, in := range s.instances {
		specs[in.Net.FlavorRef], zones[in.Net.MasterAZ] = true, true
	}
	var out []flavorJSON
	for spec := range specs {
		if s.fresh.withdrawn[spec] {
			continue
		}
		f := flavorJSON{Vcpus: "4", RAM: "16", Type: "x86", ID: randomHex(16), SpecCode: spec, VersionName: version,
			InstanceMode: "Cluster", AzStatus: map[string]string{}}
		for z := range zones {
			f.AzStatus[z] = "normal"
		}
		for z, st := range s.fresh.flavors[spec] {
			f.AzStatus[z] = st
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SpecCode < out[j].SpecCode })
	return out
}

// flavorList serves ShowGaussMySqlFlavors.
func (s *Server) flavorList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.PathValue("database") != restore.DatastoreType {
		writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: database_name must be gaussdb-mysql")
		return
	}
	switch q.Get("availability_zone_mode") {
	case "single", "multi", "Single", "Multi":
	default:
		writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: availability_zone_mode must be single or multi")
		return
	}
	version := q.Get("version_name")
	if version == "" {
		version = "8.0"
	}
	s.mu.Lock()
	all := s.flavorsLocked(version)
	s.mu.Unlock()
	out := []flavorJSON{}
	for _, f := range all {
		if spec := q.Get("spec_code"); spec == "" || spec == f.SpecCode {
			out = append(out, f)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"flavors": out})
}
