/**
 * LangChain4j 1.x ({@code dev.langchain4j}): every chat model call — {@code ChatModel} and {@code
 * StreamingChatModel}, whatever provider is underneath — as one gen_ai client span through the
 * shared {@code dev.costtrace.agent.genai} foundation, and every AiServices tool execution as an
 * {@code execute_tool} span. LangChain4j needs Java 17, so everything here except {@code
 * LangChain4jInstrumentationModule} is compiled for Java 17 and loaded by name.
 */
package dev.costtrace.agent.langchain4j;
