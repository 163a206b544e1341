/**
 * The CostTrace Grafana dashboards as data: loading the provisioned dashboard JSON, and rendering a
 * panel's SQL the way Grafana and the ClickHouse data source plugin do (template variables in the
 * frontend, then the plugin's {@code $__} macros in its backend), so that every panel's query can
 * be run and checked against a real engine.
 */
package dev.costtrace.dashboards;
