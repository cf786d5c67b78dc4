// Package filibustergrpc instruments gRPC clients and servers for Filibuster, as
// package runtime instruments net/http: every RPC is reported to the coordinator
// named by FILIBUSTER_URL, which may make it fail, and the call's execution index and
// vector clocks travel to the callee as metadata.
//
// Generated code passes the options of each grpc.NewClient, grpc.Dial,
// grpc.DialContext and grpc.NewServer call through DialOptions or ServerOptions, and
// the context of each call on a generated client stub through WithSite, which names
// the call's static site. docs/grpc.md describes what is reported, the faults and how
// streams are counted.
//
// With no FILIBUSTER_URL the package is inert: DialOptions and ServerOptions return
// the options they are given, WithSite returns its context, and the interceptors,
// used directly, call straight through, with no allocation and no network.
package filibustergrpc
