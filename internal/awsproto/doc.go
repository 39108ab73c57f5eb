// Package awsproto speaks the AWS wire protocols Switchyard serves: it
// routes awsJson requests by their X-Amz-Target header (and, for older
// clients, awsQuery requests by their Action parameter), reads the caller's
// account and region from the SigV4 (or SigV4a) Authorization header,
// bounds request sizes, and writes AWS-shaped responses and error envelopes.
// It knows nothing about events; services register their operations.
package awsproto
