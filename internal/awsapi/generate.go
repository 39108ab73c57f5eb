package awsapi

// Regenerate the service packages from the models (run from this directory,
// or `go generate ./internal/awsapi` from the repository root).

//go:generate go run ./gen -model models/events-2015-10-07.json -overlay models/switchyard-overlay-events.json -out events -pkg events
//go:generate go run ./gen -model models/sqs-2012-11-05.json -errors-from models/sqs-2012-11-05.query-protocol.json -out sqs -pkg sqs
//go:generate go run ./gen -model models/sns-2010-03-31.json -overlay models/switchyard-overlay-sns.json -out sns -pkg sns
