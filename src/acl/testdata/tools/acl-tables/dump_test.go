package acl

// Dumps the test tables of Consul's own acl tests (TestACL, TestPolicyAuthorizer,
// TestPolicySourceParse, TestMergePolicies, TestACL_Enforce) as JSON, for Muster's tests to
// run. regen.sh copies this file into a copy of the acl package and inserts a dumpTable call
// before each table's loop; with ACL_DUMP_DIR unset nothing is written.

import (
	"encoding/json"
	"io/ioutil"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
)

func dumpTable(name string, table interface{}) {
	dir := os.Getenv("ACL_DUMP_DIR")
	if dir == "" {
		return
	}
	b, err := json.MarshalIndent(plain(reflect.ValueOf(table)), "", " ")
	if err != nil {
		panic(err)
	}
	if err := ioutil.WriteFile(filepath.Join(dir, name+".json"), b, 0644); err != nil {
		panic(err)
	}
}

var decisionType = reflect.TypeOf(Allow)
var accessType = reflect.TypeOf(AccessRead)

// plain turns any value into JSON-able data by reflection (unexported fields included):
// functions become their names, static authorizers "allow"/"deny"/"manage", decisions and
// access levels their String(), embedded structs are flattened into their parent.
func plain(v reflect.Value) interface{} {
	if !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.Func:
		if v.IsNil() {
			return nil
		}
		n := runtime.FuncForPC(v.Pointer()).Name()
		return n[strings.LastIndex(n, ".")+1:]
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		e := v.Elem()
		if e.Type().String() == "*acl.staticAuthorizer" {
			manage, allow := e.Elem().FieldByName("allowManage").Bool(), e.Elem().FieldByName("defaultAllow").Bool()
			switch {
			case manage:
				return "manage"
			case allow:
				return "allow"
			default:
				return "deny"
			}
		}
		return plain(e)
	case reflect.Ptr:
		if v.IsNil() {
			return nil
		}
		return plain(v.Elem())
	case reflect.Struct:
		out := map[string]interface{}{}
		addFields(out, v)
		return out
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		l := make([]interface{}, v.Len())
		for i := range l {
			l[i] = plain(v.Index(i))
		}
		return l
	case reflect.Map:
		out := map[string]interface{}{}
		for _, k := range v.MapKeys() {
			out[k.String()] = plain(v.MapIndex(k))
		}
		return out
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int64, reflect.Int32:
		switch v.Type() {
		case decisionType:
			return EnforcementDecision(v.Int()).String()
		case accessType:
			return AccessLevel(v.Int()).String()
		}
		return v.Int()
	case reflect.Uint64, reflect.Uint:
		return v.Uint()
	}
	panic("cannot dump " + v.Kind().String())
}

func addFields(out map[string]interface{}, v reflect.Value) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			addFields(out, v.Field(i))
			continue
		}
		out[f.Name] = plain(v.Field(i))
	}
}
