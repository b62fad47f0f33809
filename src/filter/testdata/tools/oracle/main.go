package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"

	"github.com/hashicorp/consul/api"
	bexpr "github.com/hashicorp/go-bexpr"
)

var typesByName = map[string]reflect.Type{
	"Node":             reflect.TypeOf(Node{}),
	"ServiceNode":      reflect.TypeOf(ServiceNode{}),
	"HealthCheck":      reflect.TypeOf(HealthCheck{}),
	"CheckServiceNode": reflect.TypeOf(CheckServiceNode{}),
	"NodeService":      reflect.TypeOf(NodeService{}),
	"AgentService":     reflect.TypeOf(api.AgentService{}),
}

type request struct {
	Type string            `json:"type"`
	Expr string            `json:"expr"`
	Lazy bool              `json:"lazy"`
	Data []json.RawMessage `json:"data"`
}

type response struct {
	Expr      string        `json:"expr"`
	Type      string        `json:"type"`
	CreateErr *string       `json:"createErr,omitempty"`
	Results   []interface{} `json:"results,omitempty"`
}

func evalOne(f *bexpr.Filter, t reflect.Type, raw json.RawMessage) (out interface{}) {
	defer func() {
		if r := recover(); r != nil {
			out = map[string]string{"panic": fmt.Sprint(r)}
		}
	}()
	ptr := reflect.New(t)
	if err := json.Unmarshal(raw, ptr.Interface()); err != nil {
		return map[string]string{"decodeErr": err.Error()}
	}
	// filter a one element slice of pointers, as Consul does
	slice := reflect.MakeSlice(reflect.SliceOf(reflect.PtrTo(t)), 0, 1)
	slice = reflect.Append(slice, ptr)
	res, err := f.Execute(slice.Interface())
	if err != nil {
		return map[string]string{"err": err.Error()}
	}
	return reflect.ValueOf(res).Len() == 1
}

func fieldDump(cfgs bexpr.FieldConfigurations) interface{} {
	coerceNames := map[uintptr]string{}
	for name, fn := range map[string]interface{}{"int": bexpr.CoerceInt, "int64": bexpr.CoerceInt64, "uint": bexpr.CoerceUint, "uint64": bexpr.CoerceUint64, "bool": bexpr.CoerceBool, "string": bexpr.CoerceString, "float64": bexpr.CoerceFloat64, "float32": bexpr.CoerceFloat32, "int32": bexpr.CoerceInt32, "uint32": bexpr.CoerceUint32} {
		coerceNames[reflect.ValueOf(fn).Pointer()] = name
	}
	var walk func(c bexpr.FieldConfigurations) map[string]interface{}
	walk = func(c bexpr.FieldConfigurations) map[string]interface{} {
		m := map[string]interface{}{}
		for name, fc := range c {
			ops := []string{}
			for _, op := range fc.SupportedOperations {
				ops = append(ops, op.String())
			}
			sort.Strings(ops)
			e := map[string]interface{}{"ops": ops}
			if fc.CoerceFn != nil {
				e["coerce"] = coerceNames[reflect.ValueOf(fc.CoerceFn).Pointer()]
			}
			if len(fc.SubFields) > 0 {
				e["sub"] = walk(fc.SubFields)
			}
			key := string(name)
			if key == "" {
				key = "*"
			}
			m[key] = e
		}
		return m
	}
	return walk(cfgs)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "fields" {
		all := map[string]interface{}{}
		for name, t := range typesByName {
			cfgs, err := bexpr.GenerateFieldConfigurations(reflect.New(t).Elem().Interface())
			if err != nil {
				panic(err)
			}
			all[name] = fieldDump(cfgs)
		}
		b, _ := json.MarshalIndent(all, "", " ")
		fmt.Println(string(b))
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "regexp" {
		runRegexp()
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "parse" {
		var exprs []string
		if err := json.NewDecoder(os.Stdin).Decode(&exprs); err != nil {
			panic(err)
		}
		outs := []parseOut{}
		for _, e := range exprs {
			outs = append(outs, parseOne(e))
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", " ")
		enc.Encode(outs)
		return
	}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for sc.Scan() {
		var req request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			panic(err)
		}
		t := typesByName[req.Type]
		resp := response{Expr: req.Expr, Type: req.Type}
		var dataType interface{}
		if !req.Lazy {
			dataType = reflect.New(reflect.PtrTo(t)).Elem().Interface()
		}
		f, err := bexpr.CreateFilter(req.Expr, nil, dataType)
		if err != nil {
			s := err.Error()
			resp.CreateErr = &s
		} else if f == nil {
			resp.Results = []interface{}{"nil-filter"}
		} else {
			for _, d := range req.Data {
				resp.Results = append(resp.Results, evalOne(f, t, d))
			}
		}
		enc.Encode(resp)
	}
}
