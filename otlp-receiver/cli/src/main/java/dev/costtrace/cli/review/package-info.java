/**
 * The weekly long-tail review's renderings: aligned text and Markdown tables, one JSON document,
 * and a self-contained HTML page with inline SVG charts; the figures come from {@link
 * dev.costtrace.sink.report.CostReview}.
 */
package dev.costtrace.cli.review;
