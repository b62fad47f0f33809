package bexpr

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"testing"
)

func TestDumpEvaluate(t *testing.T) {
	type check struct {
		Expr   string `json:"expr"`
		Result bool   `json:"result"`
		Err    string `json:"err,omitempty"`
	}
	type group struct {
		Name   string  `json:"name"`
		Checks []check `json:"checks"`
	}
	var out []group
	names := []string{}
	for n := range evaluateTests {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		tc := evaluateTests[name]
		g := group{Name: name}
		for _, c := range tc.expressions {
			// run it for real rather than trusting the table
			res, err := func() (r bool, e error) {
				defer func() {
					if p := recover(); p != nil {
						e = fmt.Errorf("panic: %v", p)
					}
				}()
				ev, err := CreateEvaluatorForType(c.expression, nil, tc.value)
				if err != nil {
					return false, err
				}
				return ev.Evaluate(tc.value)
			}()
			ch := check{Expr: c.expression, Result: res}
			if err != nil {
				ch.Err = err.Error()
			}
			g.Checks = append(g.Checks, ch)
		}
		out = append(out, g)
	}
	f, _ := os.Create("/tmp/gp/evaluate_tests.json")
	enc := json.NewEncoder(f)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	enc.Encode(out)
	f.Close()
}
