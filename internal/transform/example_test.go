package transform_test

import (
	"fmt"
	"time"

	"github.com/switchyard/switchyard/internal/transform"
)

// The seed tutorial's two input transformers, applied to a user
// registration event.
func Example() {
	event := []byte(`{"version":"0","id":"1","detail-type":"User Registered","source":"com.mylearning.users",` +
		`"account":"123456789012","time":"2024-06-11T08:33:10Z","region":"ap-south-1","resources":[],` +
		`"detail":{"user_id":"user_12345","email":"priya@example.com","registration_type":"premium","referral_source":"google_ads"}}`)
	ctx := transform.Context{
		RuleArn:       "arn:aws:events:ap-south-1:123456789012:rule/mylearning-bus/MyLearning-User-Registration",
		RuleName:      "MyLearning-User-Registration",
		IngestionTime: time.Date(2024, 6, 11, 8, 33, 10, 0, time.UTC),
	}
	str := func(s string) *string { return &s }

	welcome, err := transform.Compile("1", transform.Config{
		PathsMap: map[string]string{"userId": "$.detail.user_id", "email": "$.detail.email", "tier": "$.detail.registration_type"},
		Template: str(`{"userId": "<userId>", "email": "<email>", "tier": "<tier>", "action": "send_welcome_email"}`),
	})
	if err != nil {
		panic(err)
	}
	sales, err := transform.Compile("3", transform.Config{
		PathsMap: map[string]string{"userId": "$.detail.user_id", "tier": "$.detail.registration_type", "source": "$.detail.referral_source"},
		Template: str("New premium user registered: <userId>, Tier: <tier>, Source: <source>"),
	})
	if err != nil {
		panic(err)
	}
	for _, t := range []*transform.Transformer{welcome, sales} {
		out, err := t.Apply(event, ctx)
		if err != nil {
			panic(err)
		}
		fmt.Println(string(out))
	}
	// Output:
	// {"userId":"user_12345","email":"priya@example.com","tier":"premium","action":"send_welcome_email"}
	// New premium user registered: user_12345, Tier: premium, Source: google_ads
}

// PutTargets-time validation returns AWS's ValidationException message.
func ExampleCompile() {
	str := func(s string) *string { return &s }
	_, err := transform.Compile("target-1", transform.Config{
		PathsMap: map[string]string{"state": "$.detail.state"},
		Template: str(`"<instance> is in state <state>"`),
	})
	fmt.Println(err)
	_, err = transform.Compile("target-1", transform.Config{InputPath: str("$.detail"), Input: str(`{}`)})
	fmt.Println(err)
	// Output:
	// InputTemplate for target target-1 contains invalid placeholder instance.
	// Only one of Input, InputPath, or InputTransformer must be provided for target target-1.
}
