/**
 * Optional bearer-token authentication of OTLP exports: a token names the tenant the spans belong
 * to, so a team's exporter cannot bill its calls to another team by setting a span attribute.
 */
package dev.costtrace.receiver.auth;
