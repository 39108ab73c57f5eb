package pattern_test

import (
	"fmt"

	"github.com/switchyard/switchyard/internal/pattern"
)

func Example() {
	m := pattern.NewMatcher()
	_ = m.AddPattern("ec2-running", `{"source":["aws.ec2"],"detail":{"state":["running"]}}`)
	_ = m.AddPattern("big-orders", `{"detail":{"total":[{"numeric":[">",1000]}]}}`)

	ids, _ := m.Match([]byte(`{"source":"aws.ec2","detail":{"state":"running","total":5}}`))
	fmt.Println(ids)
	// Output: [ec2-running]
}

func ExamplePattern_Explain() {
	p := pattern.MustParse(`{"detail":{"state":["running","stopped"]}}`)
	x, _ := p.Explain([]byte(`{"detail":{"state":"pending"}}`))
	fmt.Println(x)
	// Output: detail.state: "pending" is not one of ["running","stopped"]
}

func ExampleTestEventPattern() {
	_, err := pattern.TestEventPattern(`{"detail":{"state":[]}}`, `{}`)
	fmt.Println(err)
	// Output:
	// Event pattern is not valid. Reason: Empty arrays are not allowed
	//  at [Source: (String)"{"detail":{"state":[]}}"; line: 1, column: 22]
}
