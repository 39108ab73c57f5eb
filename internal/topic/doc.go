// Package topic is Switchyard's built-in SNS-compatible topic service: SNS's
// API (awsQuery protocol, API version 2010-03-31) over topics whose messages
// are delivered to built-in queues, HTTP(S) endpoints and Lambda functions,
// durably and with retries, and a Go API for the EventBridge sns target.
//
// # API
//
// Operations returns the handlers as awsproto.Operation values that take the
// JSON document of the input shape (the SNS model's member names, as
// internal/awsquery decodes a form into), decode it into the generated
// internal/awsapi/sns input type, check the model's constraints with its
// Validate method (AWS's "1 validation error detected: ..." messages,
// answered as ValidationError) and return the generated output type (see
// output.go for the outputs whose empty lists must stay on the wire);
// QueryService plugs them into internal/awsquery for an awsproto.Mux. Handler serves Switchyard's own SNS URLs under
// /_switchyard/sns/ (URLPrefix): the signing certificate, SubscribeURL
// (GET .../confirm) and UnsubscribeURL (GET .../unsubscribe). Publish is the
// Go API.
//
// Implemented: CreateTopic (standard and FIFO; idempotent; "Topic already
// exists with different attributes/tags"), DeleteTopic (idempotent, deletes
// the topic's subscriptions), ListTopics (100 per page, NextToken),
// GetTopicAttributes (Owner, TopicArn, Policy with SNS's default policy,
// DisplayName, DeliveryPolicy, EffectiveDeliveryPolicy, KmsMasterKeyId,
// SignatureVersion, FifoTopic, ContentBasedDeduplication,
// SubscriptionsConfirmed/Pending/Deleted, and every other attribute SNS
// accepts, stored as given), SetTopicAttributes, Subscribe (sqs, http,
// https, lambda; RawMessageDelivery, FilterPolicy, FilterPolicyScope,
// RedrivePolicy, DeliveryPolicy, SubscriptionRoleArn; idempotent per
// protocol and endpoint; ReturnSubscriptionArn), ConfirmSubscription
// (which also restores an unsubscribed http/https subscription, see
// Delivery), Unsubscribe, ListSubscriptions, ListSubscriptionsByTopic
// (pending ones listed as "PendingConfirmation"),
// Get/SetSubscriptionAttributes, Publish
// (Subject, MessageAttributes, MessageStructure=json with per-protocol
// messages, MessageGroupId and MessageDeduplicationId on FIFO topics,
// content-based deduplication as SHA-256 of the body), PublishBatch
// (batch-level errors for the batch's shape, per-entry Failed results for
// each message SNS would refuse), TagResource, UntagResource,
// ListTagsForResource. Other SNS operations (SMS, mobile push, permissions,
// data protection) answer InvalidParameter saying Switchyard does not
// support them. TargetArn naming a topic publishes to it; TargetArn naming
// a platform endpoint, and PhoneNumber, are refused with InvalidParameter.
//
// Errors come from the generated constructors of awsapi/sns (ErrX for
// the model's error shape X), so they carry SNS's awsQuery codes and
// statuses (NotFound "Topic does not exist", InvalidParameter "Invalid
// parameter: ...", AuthorizationError, ParameterValueInvalid for message
// attributes, the batch codes), with SNS's wording where it is known;
// failed model validations are ValidationError. One member SNS checks in
// its handler rather than as a model constraint, Unsubscribe's
// SubscriptionArn, is InvalidParameter "Invalid parameter: SubscriptionArn
// Reason: no value for required parameter" (awsapi's SNS overlay). Account
// and region come from the request's signature; an ARN in another region is
// "Invalid parameter: TopicArn"; a topic of another account that does not
// exist is an AuthorizationError, as SNS answers; existing topics of other
// accounts are reachable (topic policies are stored, not enforced).
//
// # Storage
//
// Topics, subscriptions and the signing key live in the JetStream key-value
// bucket "switchyard-topics": "t.<account>.<region>.<name>" (attributes,
// tags, a generation id telling apart incarnations of a name, the
// SubscriptionsDeleted count), "s.<account>.<region>.<id>" (protocol,
// endpoint, attributes, pending state and confirmation token),
// "u.<account>.<region>.<id>" (an unsubscribed http/https subscription as
// it was, with the token of its UnsubscribeConfirmation, kept until the
// token expires) and "signing" (an RSA-2048 key and its self-signed
// certificate, created once by whichever node starts first). Every node
// watches the bucket into memory; writes return once the local copy has
// applied them. Every node also sweeps the bucket for expired records
// (see Delivery), deleting each at the revision it read, so that nodes
// sweeping together delete a record once and leave alone one confirmed
// or restored meanwhile.
//
// # Delivery
//
// Publish filters the message against each confirmed subscription's filter
// policy and files one task per matching subscription in the work-queue
// stream SNS_DELIVERIES (subject sns.d.<account>) before it answers: an
// accepted message is stored, and delivered at least once or dead-lettered.
// One durable consumer, shared by all nodes, hands tasks to a lane per
// subscription (a bounded buffer and up to Options.LaneConcurrency
// deliveries at once; one for FIFO subscriptions). A task whose lane is full
// goes back for a moment without counting an attempt, so a slow endpoint
// holds up only its own subscription.
//
// A failed attempt is retried with JetStream's per-message delayed
// redelivery (NakWithDelay), so pending retries survive restarts and move
// to another node. The delays follow SNS's delivery policies: sqs and lambda
// endpoints get SNS's policy for AWS-managed endpoints (3 immediate
// retries, 2 after 1 s, 10 backing off exponentially to 20 s, then every
// 20 s, 100,015 in all — about 23 days); http/https endpoints SNS's default
// of 3 retries 20 s apart, or the healthyRetryPolicy of the subscription's
// DeliveryPolicy, else of the topic's DeliveryPolicy (http.
// defaultHealthyRetryPolicy, honouring disableSubscriptionOverrides):
// minDelayTarget, maxDelayTarget, numRetries, numNoDelayRetries,
// numMinDelayRetries, numMaxDelayRetries and backoffFunction (linear,
// arithmetic, geometric, exponential) shape the delays. Throttle and
// sickly policies are not applied. A FIFO subscription retries in place
// (keeping the message and extending its ack deadline), so messages behind
// it wait and order holds.
//
// Failures that a retry cannot cure fail at once: a queue that does not
// exist, an HTTP answer in 300-499 other than 408 and 429, a lambda
// subscription with no Lambda invoker configured. Exhausted or permanent
// failures go to the subscription's RedrivePolicy queue (a local SQS queue)
// with the payload the subscription would have received and the attributes
// ErrorCode, ErrorMessage and RequestID; without one they are counted
// (Stats) and logged.
//
// What endpoints receive:
//
//   - sqs: the JSON envelope {"Type":"Notification","MessageId",
//     ["SequenceNumber",] "TopicArn","Subject","Message","Timestamp",
//     "SignatureVersion","Signature","SigningCertURL","UnsubscribeURL",
//     "MessageAttributes":{name:{"Type","Value"}}}, or with
//     RawMessageDelivery the message itself with the message attributes as
//     SQS message attributes. FIFO topics pass MessageGroupId and the
//     deduplication id on to FIFO queues.
//   - http/https: a POST of the envelope (or, raw, the message with
//     x-amz-sns-rawdelivery: true), Content-Type text/plain; charset=UTF-8,
//     User-Agent "Amazon Simple Notification Service Agent" and the headers
//     x-amz-sns-message-type, x-amz-sns-message-id, x-amz-sns-topic-arn and
//     x-amz-sns-subscription-arn (not on a SubscriptionConfirmation); 2xx
//     is success. A new http/https subscription is pending until
//     confirmed: Subscribe files a SubscriptionConfirmation message
//     (durable and retried like any other) whose SubscribeURL (GET) or
//     Token (ConfirmSubscription) confirms it. As in SNS, a subscription
//     left unconfirmed for 48 hours (Options.PendingExpiry) is deleted,
//     and a token is valid for two days (Options.TokenExpiry): an expired
//     pending subscription is no longer listed, counted in
//     SubscriptionsPending or answered by GetSubscriptionAttributes, its
//     token is "Invalid parameter: Token", and the record is swept from
//     the bucket (counted in SubscriptionsDeleted).
//   - Unsubscribe (or the UnsubscribeURL) on a confirmed http/https
//     subscription files an UnsubscribeConfirmation for the endpoint,
//     durable and retried like a SubscriptionConfirmation: Type
//     "UnsubscribeConfirmation", MessageId, Token, TopicArn, Message "You
//     have chosen to deactivate subscription <arn>.\nTo cancel this
//     operation and restore the subscription, visit the SubscribeURL
//     included in this message.", SubscribeURL, Timestamp, the signature
//     fields, and the subscription's ARN in x-amz-sns-subscription-arn.
//     Until the token expires, its SubscribeURL or ConfirmSubscription
//     restores the subscription: the same subscription ARN, with the
//     attributes it had, confirmed again (ConfirmationWasAuthenticated
//     and AuthenticateOnUnsubscribe as that confirmation sets them); if
//     the endpoint has subscribed to the topic again meanwhile, that
//     subscription is confirmed and returned instead. A restore after the
//     topic was deleted answers NotFound. The message is not sent once
//     the subscription has been restored or the token has expired, nor to
//     sqs or lambda subscriptions, pending subscriptions, or the
//     subscriptions of a deleted topic.
//   - lambda: SNS's event {"Records":[{"EventSource":"aws:sns",
//     "EventVersion":"1.0","EventSubscriptionArn","Sns":{...}}]} through
//     Options.Lambda.
//
// Messages are signed as SNS signs them: SignatureVersion 1 (the default)
// is SHA1withRSA, 2 (topic attribute SignatureVersion) SHA256withRSA, over
// "Name\nvalue\n" for Message, MessageId, Subject (if any), Timestamp,
// TopicArn, Type (notifications) or Message, MessageId, SubscribeURL,
// Timestamp, Token, TopicArn, Type (confirmations). SigningCertURL is
// <base>/_switchyard/sns/SimpleNotificationService-<hash>.pem; base is
// Options.BaseURL, else the scheme and Host of the request that published
// or subscribed (DefaultBaseURL for the Go API). AWS's SDK helpers that
// insist the certificate comes from amazonaws.com will refuse it: verify
// against Switchyard's URL instead.
//
// # Filter policies
//
// SNS filter policies and EventBridge event patterns are one language (both
// are AWS's Event Ruler), so internal/pattern parses and matches them, and
// the parse errors are SNS's: "Invalid parameter: FilterPolicy: " (or
// "Invalid parameter: Attributes Reason: FilterPolicy: " from Subscribe)
// followed by Event Ruler's reason and Jackson location, exactly as AWS
// returns them. MessageBody policies are patterns over the message body
// (the one the subscription receives; a body that is not a JSON object
// matches nothing). MessageAttributes policies are patterns over a
// synthetic JSON object of the attributes (AttributesDocument): String
// values as strings, Number values as JSON numbers (so numeric conditions
// and numeric exact values compare numerically, and a String attribute
// never satisfies a numeric condition), String.Array values parsed as
// arrays (any element may match), Binary attributes left out. Where SNS
// differs from EventBridge, this package applies SNS's rules:
//
//   - at most 5 top-level keys ("Filter policy can not have more than 5
//     keys"), and at most 150 combinations, counted as SNS counts them:
//     each array multiplies by its number of values times its nesting
//     depth, an $or adds up its alternatives ("Filter policy is too
//     complex");
//   - no nesting in MessageAttributes scope ("Filter policy scope
//     MessageAttributes does not support nested filter policy"), checked
//     again when the scope changes;
//   - no wildcard or exactly operators ("Unrecognized match type ..."), and
//     anything-but takes values, numbers or {"prefix": ...} only
//     ("Unsupported anything-but pattern: ..."); EventBridge also allows
//     suffix, wildcard and equals-ignore-case there;
//   - policies up to 256 KiB (EventBridge patterns: 2048 characters);
//   - "{}" matches everything; FilterPolicy "" removes the policy.
//
// The rest is shared semantics: exact values, prefix, suffix,
// equals-ignore-case, anything-but, numeric ranges, exists, cidr (IPv4 and
// IPv6), null, nested $or, AND across keys and OR across values, a missing
// attribute matching only exists:false. Numbers compare as float64, where
// SNS documents 5 decimal digits between -1e9 and 1e9. The SNS-only checks
// run before Event Ruler's parse for limits and scope, after it for
// operators, so a policy with several problems may report a different one
// first than SNS would.
//
// # Approximations
//
//   - FIFO deduplication is per subscription, within the stream's 5-minute
//     duplicate window; a duplicate publish is answered with a new
//     MessageId that is never delivered. SequenceNumber grows per node, not
//     per message group. Ordering holds per subscription in normal
//     operation; after a crash, redelivery of in-flight messages may
//     reorder them within the ack deadline (a minute).
//   - Expiry is applied at once by reads and confirmations, but the
//     record leaves the bucket at the next sweep (every twentieth of the
//     shorter of Options.PendingExpiry and Options.TokenExpiry, at most a
//     minute). An unsubscribed subscription disappears from the listings
//     at once.
//   - Delivery status logging (the *FeedbackRoleArn attributes), KMS
//     encryption, topic policies, data protection policies, tracing and
//     archive/replay are stored, not applied.
package topic
