/** OTLP encodings: the OTLP/JSON mapping on top of protobuf's JSON support. */
package dev.costtrace.receiver.otlp;
