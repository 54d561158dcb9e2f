package gaussdbtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3/model"

	"github.com/dbrestore/db-restore/internal/restore"
)

// Error codes of the new-instance calls: all assumptions of this fake.
const (
	codeQuota         = "DBS.280240" // assumed: instance quota exceeded
	codeFlavorSoldOut = "DBS.280241" // assumed: flavor not on sale in the zone
)

// DefaultInstanceQuota is the project's instance quota unless set.
const DefaultInstanceQuota = 50

// freshState is the fake's state for creating and deleting instances. The
// fields are guarded by Server.mu.
type freshState struct {
	quota       int                          // 0: DefaultInstanceQuota
	flavors     map[string]map[string]string // spec code -> AZ -> status override
	withdrawn   map[string]bool              // spec codes no longer sold at all
	createNext  *Response                    // one-shot scripted answer to a create
	addr        struct{ ip, port string }    // where new instances answer
	creates     []*CreateCall
	deletes     []string
	building    map[string]*job // instance ID -> the job that builds it
	nextJobFail string          // the next create job ends Failed with this reason
}

// CreateCall is one POST /v3/{project}/instances as received. Body holds
// the root password: tests compare it, nothing else should read it.
type CreateCall struct {
	Body        model.MysqlInstanceRequest
	Raw         []byte
	DecodeError string
	Status      int    // status answered
	InstanceID  string // the instance created, if one was
}

func (s *Server) newInstanceRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v3/{project}/instances", s.createInstance)
	mux.HandleFunc("DELETE /v3/{project}/instances/{id}", s.deleteInstance)
	mux.HandleFunc("GET /v3/{project}/project-quotas", s.projectQuotas)
	mux.HandleFunc("GET /v3/{project}/flavors/{database}", s.flavorList)
}

// SetInstanceQuota sets how many instances the project may have.
func (s *Server) SetInstanceQuota(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fresh.quota = n
}

// SetFlavorStatus sets a flavor's state in one zone: normal, sellout or
// unsupported.
func (s *Server) SetFlavorStatus(spec, az, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fresh.flavors == nil {
		s.fresh.flavors = map[string]map[string]string{}
	}
	if s.fresh.flavors[spec] == nil {
		s.fresh.flavors[spec] = map[string]string{}
	}
	s.fresh.flavors[spec][az] = status
}

// WithdrawFlavor stops selling a flavor in the region: it leaves the list.
func (s *Server) WithdrawFlavor(spec string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fresh.withdrawn == nil {
		s.fresh.withdrawn = map[string]bool{}
	}
	s.fresh.withdrawn[spec] = true
}

// FailNextCreate scripts the answer to the next create call: Status and
// Body are sent as is; with StartJob the instance and its job are created
// first, as when a gateway answers 500 for a create that did happen.
func (s *Server) FailNextCreate(r Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fresh.createNext = &r
}

// FailNextCreateJob makes the next created instance's job end Failed with
// reason, and the instance FAILED.
func (s *Server) FailNextCreateJob(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fresh.nextJobFail = reason
}

// SetNewInstanceAddress makes instances created from now on show this
// private address and port, e.g. a local MariaDB for a drill to check.
func (s *Server) SetNewInstanceAddress(ip, port string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fresh.addr.ip, s.fresh.addr.port = ip, port
}

// CreateCalls returns every create call received, in order.
func (s *Server) CreateCalls() []CreateCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CreateCall, len(s.fresh.creates))
	for i, c := range s.fresh.creates {
		out[i] = *c
		out[i].Raw = append([]byte(nil), c.Raw...)
	}
	return out
}

// DeleteCalls returns the instance IDs of every delete call, in order.
func (s *Server) DeleteCalls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.fresh.deletes...)
}

func (s *Server) createInstance(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	call := &CreateCall{Raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&call.Body); err != nil {
		call.DecodeError = err.Error()
	}
	s.mu.Lock()
	s.fresh.creates = append(s.fresh.creates, call)
	scripted := s.fresh.createNext
	s.fresh.createNext = nil
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		call.Status = w.(*statusWriter).status
	}()

	if scripted != nil {
		s.wait(r, scripted.Delay)
		if scripted.StartJob {
			s.mu.Lock()
			if in, _, refusal := s.startCreate(call); refusal == nil {
				call.InstanceID = in.ID
			}
			s.mu.Unlock()
		}
		w.Header().Set("X-Request-Id", randomHex(16))
		w.WriteHeader(scripted.Status)
		_, _ = io.WriteString(w, scripted.Body)
		return
	}
	s.mu.Lock()
	in, j, refusal := s.startCreate(call)
	var body map[string]any
	if refusal == nil {
		call.InstanceID = in.ID
		body = map[string]any{"instance": createdJSON(in), "job_id": j.id}
	}
	s.mu.Unlock()
	if refusal != nil {
		writeErr(w, refusal.status, refusal.code, refusal.message)
		return
	}
	writeJSON(w, http.StatusAccepted, body)
}

// createdJSON is the MysqlInstanceResponse of a new instance.
func createdJSON(in *Instance) map[string]any {
	n := in.Net
	return map[string]any{
		"id": in.ID, "name": in.Name, "status": in.Status, "mode": n.Mode, "port": n.Port,
		"datastore": map[string]string{"type": in.Type, "version": in.Version},
		"region":    n.Region, "availability_zone_mode": n.AZMode, "master_availability_zone": n.MasterAZ,
		"vpc_id": n.VpcID, "subnet_id": n.SubnetID, "security_group_id": n.SecurityGroupID, "flavor_ref": n.FlavorRef,
		"charge_info": map[string]string{"charge_mode": "postPaid"},
	}
}

// startCreate checks a create body like the real API and, if it passes,
// adds the instance in BUILD with its job; the caller holds s.mu.
func (s *Server) startCreate(c *CreateCall) (*Instance, *job, *apiErr) {
	if c.DecodeError != "" {
		return nil, nil, paramErr("invalid request body: %s", c.DecodeError)
	}
	b := c.Body
	if refusal := checkCreateBody(b); refusal != nil {
		return nil, nil, refusal
	}
	if refusal := s.checkNewRestorePoint(b.RestorePoint); refusal != nil {
		return nil, nil, refusal
	}
	if refusal := s.checkCapacity(b); refusal != nil {
		return nil, nil, refusal
	}
	in := s.newFromBody(b)
	s.instances = append(s.instances, in)
	name := restore.JobCreateInstance
	if b.RestorePoint != nil {
		name = restore.JobRestoreNewInstance
	}
	id := in.ID
	fail := s.fresh.nextJobFail // its own knob: the restore knobs stay with RestoreOldInstance
	s.fresh.nextJobFail = ""
	j := s.newJob(name, in, fail, func(failed bool) {
		if in := s.instance(id); in != nil {
			in.Status = "ACTIVE"
			if failed {
				in.Status = "FAILED"
			}
		}
	})
	if s.fresh.building == nil {
		s.fresh.building = map[string]*job{}
	}
	s.fresh.building[id] = j
	return in, j, nil
}

// advanceBuild: reading an instance in BUILD counts as a poll of the job
// that builds it, so it turns ACTIVE (or FAILED) after Options.JobPolls
// reads, as a real one does with time. The caller holds s.mu.
func (s *Server) advanceBuild(in *Instance) {
	if j, ok := s.fresh.building[in.ID]; ok && in.Status == "BUILD" {
		j.poll(s.opts.Now())
	}
}

// checkCreateBody checks the fields that need no state.
func checkCreateBody(b model.MysqlInstanceRequest) *apiErr {
	switch {
	case b.ChargeInfo == nil || (b.ChargeInfo.ChargeMode.Value() != "postPaid" && b.ChargeInfo.ChargeMode.Value() != "prePaid"):
		return paramErr("charge_info.charge_mode must be prePaid or postPaid")
	case restore.CheckInstanceName(b.Name) != nil:
		return &apiErr{http.StatusBadRequest, "DBS.280234", "Invalid DB instance name."}
	case b.Region == "" || b.VpcId == "" || b.SubnetId == "" || b.FlavorRef == "":
		return paramErr("region, vpc_id, subnet_id and flavor_ref are required")
	case b.Datastore == nil || b.Datastore.Type != restore.DatastoreType || b.Datastore.Version == "":
		return paramErr("datastore.type must be gaussdb-mysql, with a version")
	case b.Mode != "Cluster" && b.Mode != "StandSingle":
		return paramErr("mode must be Cluster or StandSingle")
	case b.AvailabilityZoneMode != "single" && b.AvailabilityZoneMode != "multi":
		return paramErr("availability_zone_mode must be single or multi")
	case b.SlaveCount < 0 || b.SlaveCount > 9 || b.Mode == "StandSingle" && b.SlaveCount != 0:
		return paramErr("slave_count must be 0 to 9, and 0 for StandSingle")
	case !restore.PasswordOK(b.Password):
		return paramErr("the password does not meet the complexity requirements")
	case b.BackupStrategy == nil || !backupWindowOK(b.BackupStrategy.StartTime):
		return paramErr("backup_strategy.start_time must be hh:00-HH:00 with HH one hour after hh")
	case b.LowerCaseTableNames != nil && *b.LowerCaseTableNames != 0 && *b.LowerCaseTableNames != 1:
		return paramErr("lower_case_table_names must be 0 or 1")
	case b.Volume != nil && b.ChargeInfo.ChargeMode.Value() == "postPaid":
		return paramErr("volume cannot be chosen for a pay-per-use instance")
	}
	if b.Tags != nil {
		if len(*b.Tags) > 20 {
			return paramErr("at most 20 tags")
		}
		for _, t := range *b.Tags {
			if t.Key == "" || len([]rune(t.Key)) > 36 || len([]rune(t.Value)) > 43 || strings.ContainsAny(t.Key+t.Value, ": /=,") {
				return paramErr("tag %q=%q is not valid", t.Key, t.Value)
			}
		}
	}
	return nil
}

func backupWindowOK(w string) bool {
	from, to, ok := strings.Cut(w, "-")
	a, errA := time.Parse("15:04", from)
	b, errB := time.Parse("15:04", to)
	return ok && errA == nil && errB == nil && a.Minute() == 0 && b.Minute() == 0 && (a.Hour()+1)%24 == b.Hour()
}

// checkNewRestorePoint checks the restore_point of a create; the caller
// holds s.mu.
func (s *Server) checkNewRestorePoint(rp *model.MysqlRestorePoint) *apiErr {
	if rp == nil {
		return nil
	}
	source := s.instance(rp.SourceInstanceId)
	if source == nil {
		return &apiErr{s.opts.NotFoundStatus, codeInstanceNotFound, "The DB instance does not exist: " + rp.SourceInstanceId}
	}
	typ := restore.TypeBackup // the API's default when type is absent
	if rp.Type != nil {
		typ = *rp.Type
	}
	switch {
	case typ == restore.TypeBackup && (rp.BackupId == nil || rp.RestoreTime != nil):
		return paramErr("restore_point: backup_id and no restore_time when type is backup")
	case typ == restore.TypeTimestamp && (rp.RestoreTime == nil || rp.BackupId != nil):
		return paramErr("restore_point: restore_time and no backup_id when type is timestamp")
	case typ != restore.TypeBackup && typ != restore.TypeTimestamp:
		return paramErr("restore_point.type must be backup or timestamp")
	}
	return s.checkRestorePoint(restoreBody{Type: &typ, BackupID: rp.BackupId, RestoreTime: rp.RestoreTime}, source)
}

// checkCapacity checks the quota and the flavor; the caller holds s.mu.
func (s *Server) checkCapacity(b model.MysqlInstanceRequest) *apiErr {
	if used, max := len(s.instances), s.quotaLocked(); used+1 > max {
		return &apiErr{http.StatusForbidden, codeQuota, fmt.Sprintf("The instance quota is insufficient: %d of %d used.", used, max)}
	}
	az := DefaultAZ
	if b.MasterAvailabilityZone != nil {
		az = *b.MasterAvailabilityZone
	}
	for _, f := range s.flavorsLocked(b.Datastore.Version) {
		if f.SpecCode == b.FlavorRef {
			if f.AzStatus[az] != "normal" {
				return &apiErr{http.StatusBadRequest, codeFlavorSoldOut, fmt.Sprintf("The flavor %s is not available in %s.", b.FlavorRef, az)}
			}
			return nil
		}
	}
	return &apiErr{http.StatusBadRequest, codeFlavorSoldOut, "The flavor does not exist: " + b.FlavorRef}
}

// newFromBody is the instance a valid create makes; the caller holds s.mu.
func (s *Server) newFromBody(b model.MysqlInstanceRequest) *Instance {
	in := &Instance{ID: NewInstanceID(), Name: b.Name, Status: "BUILD", Type: b.Datastore.Type, Version: b.Datastore.Version,
		LowerCaseTableNames: "1", Tags: map[string]string{}}
	if b.LowerCaseTableNames != nil {
		in.LowerCaseTableNames = strconv.Itoa(int(*b.LowerCaseTableNames))
	}
	if b.Tags != nil {
		for _, t := range *b.Tags {
			in.Tags[t.Key] = t.Value
		}
	}
	in.Net = Net{Region: b.Region, Mode: b.Mode, FlavorRef: b.FlavorRef, AZMode: b.AvailabilityZoneMode,
		MasterAZ: deref(b.MasterAvailabilityZone), VpcID: b.VpcId, SubnetID: b.SubnetId, SecurityGroupID: deref(b.SecurityGroupId),
		TimeZone: deref(b.TimeZone), ConfigurationID: deref(b.ConfigurationId), BackupWindow: b.BackupStrategy.StartTime,
		ReadReplicas: int(b.SlaveCount), PrivateIP: s.fresh.addr.ip, Port: s.fresh.addr.port,
		Created: s.opts.Now().UTC().Truncate(time.Second)}
	if in.Net.PrivateIP == "" {
		in.Net.PrivateIP = fmt.Sprintf("192.168.0.%d", 20+len(s.instances)%200)
	}
	in.Net = in.Net.withDefaults()
	in.Net.ReadReplicas = int(b.SlaveCount) // as asked, even 0
	return in
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
