package dev.costtrace.receiver.budget;

import com.clickhouse.client.api.Client;
import dev.costtrace.budget.BudgetRulesSource;
import dev.costtrace.budget.BudgetSettings;
import dev.costtrace.config.Config;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The receiver's budgets from configuration: the same {@code costtrace.budget.*} settings and rules
 * file as the agent ({@link BudgetSettings}), the event store, and the webhook when {@value
 * BudgetWebhook#URL_KEY} is set (with {@value BudgetWebhook#SECRET_KEY}). The tally is kept even
 * without rules: the conversation API reports recent spend from it. A bad setting throws naming the
 * key, before anything starts.
 */
public final class ReceiverBudgetSetup implements AutoCloseable {
  private final ReceiverBudgets budgets;
  private final BudgetEventStore store;
  private final BudgetWebhook webhook;

  private ReceiverBudgetSetup(
      ReceiverBudgets budgets, BudgetEventStore store, BudgetWebhook webhook) {
    this.budgets = budgets;
    this.store = store;
    this.webhook = webhook;
  }

  public static ReceiverBudgetSetup fromConfig(Config config, Client client, String database) {
    BudgetSettings settings = BudgetSettings.from(k -> config.getString(k).orElse(null));
    BudgetRulesSource rules =
        BudgetRulesSource.create(settings, line -> System.err.println("costtrace: " + line));
    BudgetEventStore store = new BudgetEventStore(client, database);
    List<Consumer<BudgetEvent>> listeners = new ArrayList<>();
    listeners.add(store);
    BudgetWebhook webhook = null;
    String url = config.getString(BudgetWebhook.URL_KEY).orElse(null);
    if (url != null) {
      URI uri;
      try {
        uri = URI.create(url);
        if (uri.getScheme() == null || uri.getHost() == null) {
          throw new IllegalArgumentException("not an absolute http(s) URL");
        }
      } catch (IllegalArgumentException e) {
        throw Config.invalid(BudgetWebhook.URL_KEY, url, e.getMessage());
      }
      webhook =
          new BudgetWebhook(
              uri,
              config.getString(BudgetWebhook.SECRET_KEY).orElse(null),
              store,
              BudgetWebhook.DEFAULT_MAX_ATTEMPTS,
              BudgetWebhook.DEFAULT_FIRST_BACKOFF);
      listeners.add(webhook);
    }
    return new ReceiverBudgetSetup(
        new ReceiverBudgets(rules, listeners, System::nanoTime), store, webhook);
  }

  public ReceiverBudgets budgets() {
    return budgets;
  }

  public BudgetEventStore store() {
    return store;
  }

  /** The webhook, or null when none is configured. */
  public BudgetWebhook webhook() {
    return webhook;
  }

  @Override
  public void close() {
    store.flush(5_000);
    store.close();
    if (webhook != null) {
      webhook.close();
    }
  }
}
