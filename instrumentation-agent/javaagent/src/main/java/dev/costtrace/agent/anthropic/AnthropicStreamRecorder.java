package dev.costtrace.agent.anthropic;

import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.RawMessageStreamEvent;
import dev.costtrace.agent.genai.GenAiStream;
import dev.costtrace.agent.genai.GenAiStreamRecorder;

/**
 * Feeds Anthropic stream events into a {@link GenAiStream}: id, model, usage and service tier from
 * {@code message_start}, stop reason and cumulative usage from {@code message_delta}, and ends the
 * span at {@code message_stop}. A malformed event loses only what it carried.
 */
final class AnthropicStreamRecorder extends GenAiStreamRecorder<RawMessageStreamEvent> {
  private final AnthropicModel.UsageCounts counts = new AnthropicModel.UsageCounts();

  AnthropicStreamRecorder(GenAiStream stream) {
    super(stream);
  }

  @Override
  protected void record(RawMessageStreamEvent event) {
    if (event.isMessageStart()) {
      Message message = event.asMessageStart().message();
      stream.response().responseId(message.id()).responseModel(message.model().toString());
      AnthropicModel.UsageCounts start = AnthropicModel.counts(message.usage());
      counts.uncachedInput = start.uncachedInput;
      counts.output = start.output;
      counts.cacheRead = start.cacheRead;
      counts.cacheCreation = start.cacheCreation;
      counts.cacheCreation5m = start.cacheCreation5m;
      counts.cacheCreation1h = start.cacheCreation1h;
      counts.reasoning = start.reasoning;
      counts.serviceTier = start.serviceTier;
      stream.response().usage(counts.toUsage()).serviceTier(counts.serviceTier());
    } else if (event.isMessageDelta()) {
      event
          .asMessageDelta()
          .delta()
          .stopReason()
          .ifPresent(r -> stream.response().addFinishReason(r.toString()));
      counts.update(event.asMessageDelta().usage());
      stream.response().usage(counts.toUsage());
    } else if (event.isMessageStop()) {
      stream.complete();
    }
  }
}
