package topic

import "github.com/switchyard/switchyard/internal/awsapi/sns"

// The generated output types mark every member omitempty, so an empty list
// would leave the response without its element, where SNS sends an empty
// one (<Topics/>, which SDKs read as an empty list). Until the generator
// settles how output lists render, these wrap the outputs whose lists can
// be empty: the outer field, without omitempty, is the one encoding/json
// writes.

// listTopicsOutput is ListTopics' output.
type listTopicsOutput struct {
	sns.ListTopicsResponse
	Topics []sns.Topic `json:"Topics"`
}

// listSubscriptionsOutput is the output of ListSubscriptions and
// ListSubscriptionsByTopic (the same shape).
type listSubscriptionsOutput struct {
	sns.ListSubscriptionsResponse
	Subscriptions []sns.Subscription `json:"Subscriptions"`
}

// listTagsOutput is ListTagsForResource's output.
type listTagsOutput struct {
	sns.ListTagsForResourceResponse
	Tags []sns.Tag `json:"Tags"`
}

// publishBatchOutput is PublishBatch's output.
type publishBatchOutput struct {
	sns.PublishBatchResponse
	Successful []sns.PublishBatchResultEntry `json:"Successful"`
	Failed     []sns.BatchResultErrorEntry   `json:"Failed"`
}

// optional is nil for "", for members SNS leaves out when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nextToken is the NextToken of a page: absent on the last.
func nextToken(next string) *string { return optional(next) }
