// Oracle: runs Consul 1.8.7's acl package on JSON requests (one JSON array on stdin).
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/hashicorp/consul/acl"
)

type Req struct {
	Op       string     `json:"op"`
	Syntax   string     `json:"syntax"`
	Rules    string     `json:"rules"`
	Parent   string     `json:"parent"`
	Policies []Req      `json:"policies"`
	Checks   [][]string `json:"checks"`
}

type Resp struct {
	Policy    interface{} `json:"policy,omitempty"`
	Error     *string     `json:"error,omitempty"`
	Panic     *string     `json:"panic,omitempty"`
	Output    *string     `json:"output,omitempty"`
	Decisions []string    `json:"decisions,omitempty"`
}

func syn(s string) acl.SyntaxVersion {
	if s == "legacy" {
		return acl.SyntaxLegacy
	}
	return acl.SyntaxCurrent
}

func str(s string) *string { return &s }

func conv(p *acl.Policy) map[string]interface{} {
	m := map[string]interface{}{"acl": p.ACL, "keyring": p.Keyring, "operator": p.Operator}
	named := func(key string, f func(i int) map[string]interface{}, n int) {
		l := make([]interface{}, 0, n)
		for i := 0; i < n; i++ {
			l = append(l, f(i))
		}
		m[key] = l
	}
	named("agents", func(i int) map[string]interface{} { r := p.Agents[i]; return map[string]interface{}{"node": r.Node, "policy": r.Policy} }, len(p.Agents))
	named("agentPrefixes", func(i int) map[string]interface{} { r := p.AgentPrefixes[i]; return map[string]interface{}{"node": r.Node, "policy": r.Policy} }, len(p.AgentPrefixes))
	named("keys", func(i int) map[string]interface{} { r := p.Keys[i]; return map[string]interface{}{"prefix": r.Prefix, "policy": r.Policy} }, len(p.Keys))
	named("keyPrefixes", func(i int) map[string]interface{} { r := p.KeyPrefixes[i]; return map[string]interface{}{"prefix": r.Prefix, "policy": r.Policy} }, len(p.KeyPrefixes))
	named("nodes", func(i int) map[string]interface{} { r := p.Nodes[i]; return map[string]interface{}{"name": r.Name, "policy": r.Policy} }, len(p.Nodes))
	named("nodePrefixes", func(i int) map[string]interface{} { r := p.NodePrefixes[i]; return map[string]interface{}{"name": r.Name, "policy": r.Policy} }, len(p.NodePrefixes))
	named("services", func(i int) map[string]interface{} { r := p.Services[i]; return map[string]interface{}{"name": r.Name, "policy": r.Policy, "intentions": r.Intentions} }, len(p.Services))
	named("servicePrefixes", func(i int) map[string]interface{} { r := p.ServicePrefixes[i]; return map[string]interface{}{"name": r.Name, "policy": r.Policy, "intentions": r.Intentions} }, len(p.ServicePrefixes))
	named("sessions", func(i int) map[string]interface{} { r := p.Sessions[i]; return map[string]interface{}{"node": r.Node, "policy": r.Policy} }, len(p.Sessions))
	named("sessionPrefixes", func(i int) map[string]interface{} { r := p.SessionPrefixes[i]; return map[string]interface{}{"node": r.Node, "policy": r.Policy} }, len(p.SessionPrefixes))
	named("events", func(i int) map[string]interface{} { r := p.Events[i]; return map[string]interface{}{"event": r.Event, "policy": r.Policy} }, len(p.Events))
	named("eventPrefixes", func(i int) map[string]interface{} { r := p.EventPrefixes[i]; return map[string]interface{}{"event": r.Event, "policy": r.Policy} }, len(p.EventPrefixes))
	named("preparedQueries", func(i int) map[string]interface{} { r := p.PreparedQueries[i]; return map[string]interface{}{"prefix": r.Prefix, "policy": r.Policy} }, len(p.PreparedQueries))
	named("preparedQueryPrefixes", func(i int) map[string]interface{} { r := p.PreparedQueryPrefixes[i]; return map[string]interface{}{"prefix": r.Prefix, "policy": r.Policy} }, len(p.PreparedQueryPrefixes))
	return m
}

func check(a acl.Authorizer, c []string) acl.EnforcementDecision {
	arg := ""
	if len(c) > 1 {
		arg = c[1]
	}
	switch c[0] {
	case "aclRead":
		return a.ACLRead(nil)
	case "aclWrite":
		return a.ACLWrite(nil)
	case "agentRead":
		return a.AgentRead(arg, nil)
	case "agentWrite":
		return a.AgentWrite(arg, nil)
	case "eventRead":
		return a.EventRead(arg, nil)
	case "eventWrite":
		return a.EventWrite(arg, nil)
	case "intentionDefaultAllow":
		return a.IntentionDefaultAllow(nil)
	case "intentionRead":
		return a.IntentionRead(arg, nil)
	case "intentionWrite":
		return a.IntentionWrite(arg, nil)
	case "keyRead":
		return a.KeyRead(arg, nil)
	case "keyList":
		return a.KeyList(arg, nil)
	case "keyWrite":
		return a.KeyWrite(arg, nil)
	case "keyWritePrefix":
		return a.KeyWritePrefix(arg, nil)
	case "keyringRead":
		return a.KeyringRead(nil)
	case "keyringWrite":
		return a.KeyringWrite(nil)
	case "nodeRead":
		return a.NodeRead(arg, nil)
	case "nodeWrite":
		return a.NodeWrite(arg, nil)
	case "operatorRead":
		return a.OperatorRead(nil)
	case "operatorWrite":
		return a.OperatorWrite(nil)
	case "preparedQueryRead":
		return a.PreparedQueryRead(arg, nil)
	case "preparedQueryWrite":
		return a.PreparedQueryWrite(arg, nil)
	case "serviceRead":
		return a.ServiceRead(arg, nil)
	case "serviceWrite":
		return a.ServiceWrite(arg, nil)
	case "sessionRead":
		return a.SessionRead(arg, nil)
	case "sessionWrite":
		return a.SessionWrite(arg, nil)
	case "snapshot":
		return a.Snapshot(nil)
	}
	panic("unknown check " + c[0])
}

func run(r Req) (resp Resp) {
	defer func() {
		if p := recover(); p != nil {
			resp = Resp{Panic: str(fmt.Sprint(p))}
		}
	}()
	switch r.Op {
	case "parse":
		p, err := acl.NewPolicyFromSource("", 0, r.Rules, syn(r.Syntax), nil, nil)
		if err != nil {
			return Resp{Error: str(err.Error())}
		}
		return Resp{Policy: conv(p)}
	case "translate":
		out, err := acl.TranslateLegacyRules([]byte(r.Rules))
		if err != nil {
			return Resp{Error: str(err.Error())}
		}
		return Resp{Output: str(string(out))}
	case "authz":
		var policies []*acl.Policy
		for _, pr := range r.Policies {
			p, err := acl.NewPolicyFromSource("", 0, pr.Rules, syn(pr.Syntax), nil, nil)
			if err != nil {
				return Resp{Error: str(err.Error())}
			}
			policies = append(policies, p)
		}
		var a acl.Authorizer
		var err error
		if r.Parent == "" {
			a, err = acl.NewPolicyAuthorizer(policies, nil)
		} else {
			a, err = acl.NewPolicyAuthorizerWithDefaults(acl.RootAuthorizer(r.Parent), policies, nil)
		}
		if err != nil {
			return Resp{Error: str(err.Error())}
		}
		var out []string
		for _, c := range r.Checks {
			out = append(out, check(a, c).String())
		}
		return Resp{Decisions: out}
	}
	panic("unknown op " + r.Op)
}

func main() {
	var reqs []Req
	if err := json.NewDecoder(os.Stdin).Decode(&reqs); err != nil {
		panic(err)
	}
	out := make([]Resp, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, run(r))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.Encode(out)
}
