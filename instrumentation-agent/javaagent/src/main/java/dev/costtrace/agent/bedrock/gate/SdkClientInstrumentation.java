package dev.costtrace.agent.bedrock.gate;

import static net.bytebuddy.matcher.ElementMatchers.named;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * No advice: matching the SDK's client interface, loaded before any client is built, is what
 * injects the helpers and the interceptor list into the app's class loader (as upstream does).
 */
final class SdkClientInstrumentation implements TypeInstrumentation {
  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("software.amazon.awssdk.core.SdkClient");
  }

  @Override
  public void transform(TypeTransformer transformer) {}
}
