package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

func main() {
	ints := []string{"0", "1", "-1", "+5", "007", "0x1F", "0X1f", "0b101", "0o17", "0O17", "017", "08", "0x", "0b", "1_000", "0x_1F", "1__0", "_1", "1_", "0_1", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "99999999999999999999x", "x", "", "1.5", " 1", "١"}
	floats := []string{"1.5", "-0.25", "1e3", "1E-2", ".5", "5.", "inf", "-Inf", "+infinity", "NaN", "nan", "0x1p-2", "0x1.8p1", "0x1", "1_000.5", "0x_1p0", "1e400", "-1e400", "abc", "", "1.2.3", "0x1.fffffep+127", "1e-400"}
	bools := []string{"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False", "tRUE", "yes", ""}
	quotes := []string{`"abc"`, `"a\tb"`, `"\x41\u00e9\U0001F600"`, `"\101\0"`, `"\q"`, `"\'"`, `"\400"`, `"\uD800"`, `"\xc3\xa9"`, "`a\\nb`", "`a\rb`", `""`, "``", `"a`, `"\"`, `"\x4"`}
	out := map[string][][]string{}
	for _, s := range ints {
		v, err := strconv.ParseInt(s, 0, 0)
		e := ""
		if err != nil {
			e = err.Error()
		}
		out["int"] = append(out["int"], []string{s, fmt.Sprint(v), e})
		u, err := strconv.ParseUint(s, 0, 0)
		e = ""
		if err != nil {
			e = err.Error()
		}
		out["uint"] = append(out["uint"], []string{s, fmt.Sprint(u), e})
	}
	for _, s := range floats {
		v, err := strconv.ParseFloat(s, 64)
		e := ""
		if err != nil {
			e = err.Error()
		}
		out["float"] = append(out["float"], []string{s, fmt.Sprint(v), e})
	}
	for _, s := range bools {
		v, err := strconv.ParseBool(s)
		e := ""
		if err != nil {
			e = err.Error()
		}
		out["bool"] = append(out["bool"], []string{s, fmt.Sprint(v), e})
	}
	for _, s := range quotes {
		v, err := strconv.Unquote(s)
		e := ""
		if err != nil {
			e = err.Error()
		}
		out["unquote"] = append(out["unquote"], []string{s, v, e})
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	enc.Encode(out)
}
