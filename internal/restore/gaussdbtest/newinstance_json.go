package gaussdbtest

import "time"

// Net is an instance's network, zone, size and address: what a restore to
// a new instance copies from its source, and where the instance answers.
// Empty fields get defaults (withDefaults).
type Net struct {
	Region          string // default cn-north-4
	Mode            string // Cluster (default) or StandSingle
	FlavorRef       string // default gaussdb.mysql.xlarge.x86.4
	AZMode          string // single (default) or multi
	MasterAZ        string // default cn-north-4a
	VpcID           string
	SubnetID        string
	SecurityGroupID string
	TimeZone        string // default UTC+08:00
	ConfigurationID string // the parameter template; empty: none
	BackupWindow    string // default 02:00-03:00
	ReadReplicas    int    // nodes besides the master (default 1 for Cluster)
	PrivateIP       string // default 192.168.0.x (never contacted)
	Port            string // default 3306
	Created         time.Time
}

// Defaults of an instance's Net.
const (
	DefaultRegion = "cn-north-4"
	DefaultFlavor = "gaussdb.mysql.xlarge.x86.4"
	DefaultAZ     = "cn-north-4a"
)

func (n Net) withDefaults() Net {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&n.Region, DefaultRegion)
	def(&n.Mode, "Cluster")
	def(&n.FlavorRef, DefaultFlavor)
	def(&n.AZMode, "single")
	def(&n.MasterAZ, DefaultAZ)
	def(&n.VpcID, "3f2b1d6e-6c1a-4a8e-9a55-0c9e3b8e7a01")
	def(&n.SubnetID, "9a7c2e41-2d5b-4f0e-8c1d-5b6a7e8f9a02")
	def(&n.SecurityGroupID, "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e03")
	def(&n.TimeZone, "UTC+08:00")
	def(&n.BackupWindow, "02:00-03:00")
	def(&n.PrivateIP, "192.168.0.10")
	def(&n.Port, "3306")
	if n.Mode == "Cluster" && n.ReadReplicas == 0 {
		n.ReadReplicas = 1
	}
	if n.Created.IsZero() {
		n.Created = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	}
	return n
}

// netJSON are the fields of MysqlInstanceListInfo and MysqlInstanceInfoDetail
// that carry Net. List-only and detail-only fields are omitted where the
// other call has no such field.
type netJSON struct {
	Region          string         `json:"region,omitempty"`      // list
	FlavorRef       string         `json:"flavor_ref,omitempty"`  // list
	PrivateIPs      []string       `json:"private_ips,omitempty"` // list
	PrivateWriteIPs []string       `json:"private_write_ips,omitempty"`
	VpcID           string         `json:"vpc_id"`
	SubnetID        string         `json:"subnet_id"`
	SecurityGroupID string         `json:"security_group_id"`
	ConfigurationID string         `json:"configuration_id,omitempty"` // detail
	AZMode          string         `json:"az_mode,omitempty"`          // detail
	MasterAZ        string         `json:"master_az_code,omitempty"`   // detail
	BackupStrategy  map[string]any `json:"backup_strategy,omitempty"`
	Nodes           []nodeJSON     `json:"nodes,omitempty"` // detail
}

// nodeJSON is a MysqlInstanceNodeInfo.
type nodeJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Status     string `json:"status"`
	Port       int32  `json:"port"`
	AZCode     string `json:"az_code"`
	RegionCode string `json:"region_code"`
	FlavorRef  string `json:"flavor_ref"`
	Vcpus      string `json:"vcpus"`
	RAM        string `json:"ram"`
}

// addNet fills an instance's network fields; the caller holds s.mu.
func (s *Server) addNet(j *instanceJSON, in *Instance, detail bool) {
	n := in.Net
	j.Type, j.Port, j.TimeZone = n.Mode, n.Port, n.TimeZone
	j.Created = apiTime(n.Created)
	j.netJSON = netJSON{
		VpcID: n.VpcID, SubnetID: n.SubnetID, SecurityGroupID: n.SecurityGroupID,
		BackupStrategy: map[string]any{"start_time": n.BackupWindow, "keep_days": "7"},
	}
	if !detail {
		j.Region, j.FlavorRef, j.PrivateIPs = n.Region, n.FlavorRef, []string{n.PrivateIP}
		return
	}
	j.PrivateWriteIPs = []string{n.PrivateIP}
	j.ConfigurationID, j.AZMode, j.MasterAZ = n.ConfigurationID, n.AZMode, n.MasterAZ
	j.NodeCount = 1 + n.ReadReplicas
	port := int32(3306)
	j.Nodes = []nodeJSON{{ID: in.ID + "-node1", Name: in.Name + "_node01", Type: "master", Status: in.Status, Port: port,
		AZCode: n.MasterAZ, RegionCode: n.Region, FlavorRef: n.FlavorRef, Vcpus: "4", RAM: "16"}}
	for i := 0; i < n.ReadReplicas; i++ {
		j.Nodes = append(j.Nodes, nodeJSON{ID: randomHex(16) + "no07", Name: in.Name + "_node0" + string(rune('2'+i%8)),
			Type: "slave", Status: in.Status, Port: port, AZCode: n.MasterAZ, RegionCode: n.Region, FlavorRef: n.FlavorRef, Vcpus: "4", RAM: "16"})
	}
}
