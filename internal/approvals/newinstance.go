package approvals

import (
	"strconv"
	"strings"
	"time"
)

// TypeNewInstance is a restore into an instance created for the request
// (GaussDB's CreateGaussMySqlInstance with a restore_point); Params.New
// says what is created and Params.BackupID or RestoreTimeMs what from.
const TypeNewInstance RestoreType = "new_instance"

// NewInstance is everything a restore to a new instance creates, as
// approved: it all enters the hash, so an approval covers exactly this
// name, flavor, zone, network and lifetime. It never holds a password.
type NewInstance struct {
	Name             string        `json:"name"`
	RestoreType      RestoreType   `json:"restore_type"` // TypeBackup or TypeTimestamp
	Region           string        `json:"region"`
	DatastoreType    string        `json:"datastore_type"`
	DatastoreVersion string        `json:"datastore_version"`
	Mode             string        `json:"mode"`
	FlavorRef        string        `json:"flavor_ref"`
	AZMode           string        `json:"az_mode"`
	MasterAZ         string        `json:"master_az,omitempty"`
	VpcID            string        `json:"vpc_id"`
	SubnetID         string        `json:"subnet_id"`
	SecurityGroupID  string        `json:"security_group_id,omitempty"`
	TimeZone         string        `json:"time_zone,omitempty"`
	ConfigurationID  string        `json:"configuration_id,omitempty"`
	LowerCaseTables  int32         `json:"lower_case_table_names"`
	SlaveCount       int32         `json:"slave_count"`
	BackupWindow     string        `json:"backup_window"`
	EnterpriseProjID string        `json:"enterprise_project_id,omitempty"`
	Keep             time.Duration `json:"keep_ns"`
	MaxKeep          time.Duration `json:"max_keep_ns"`
}

// hashFields are the new instance's fields in the parameter hash.
func (n *NewInstance) hashFields() []string {
	if n == nil {
		return nil
	}
	return []string{"new", n.Name, string(n.RestoreType), n.Region, n.DatastoreType, n.DatastoreVersion, n.Mode,
		n.FlavorRef, n.AZMode, n.MasterAZ, n.VpcID, n.SubnetID, n.SecurityGroupID, n.TimeZone, n.ConfigurationID,
		strconv.Itoa(int(n.LowerCaseTables)), strconv.Itoa(int(n.SlaveCount)), n.BackupWindow, n.EnterpriseProjID,
		strconv.FormatInt(int64(n.Keep), 10), strconv.FormatInt(int64(n.MaxKeep), 10)}
}

// joinHash joins hash fields with a separator no field contains.
func joinHash(fields []string) string { return strings.Join(fields, "\x1f") }
