package dev.costtrace.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP forwarder to a real server that can be shut (connections refused by closing them,
 * open ones cut) and reopened: the network outage between the sink and ClickHouse, so that the
 * sink's buffer fills, without stopping the shared engine. It starts shut. Stalled, it is a server
 * that accepts connections and never answers (a frozen node, a half-open connection): they are held
 * open, unread, until the gate opens or shuts.
 */
public final class LoopbackGate implements AutoCloseable {
  private final ServerSocket listener;
  private final String targetHost;
  private final int targetPort;
  private final List<Socket> live = new CopyOnWriteArrayList<>();
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private volatile boolean open;
  private volatile boolean stalled;
  private volatile boolean closed;

  public LoopbackGate(String targetHost, int targetPort) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "loopback-gate");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Forwards new connections (held ones are cut: their clients have timed out or will). */
  public void open() {
    stalled = false;
    open = true;
    cut(held);
  }

  /** Refuses new connections and cuts the open ones. */
  public void shut() {
    open = false;
    stalled = false;
    cut(live);
    cut(held);
  }

  /** Cuts the open connections, then accepts new ones and never answers them. */
  public void stall() {
    stalled = true;
    cut(live);
  }

  /** How many connections were accepted while stalled and are held unanswered. */
  public int heldConnections() {
    return held.size();
  }

  private static void cut(List<Socket> sockets) {
    for (Socket s : sockets) {
      quietlyClose(s);
    }
    sockets.clear();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (stalled) {
        held.add(client);
        continue;
      }
      if (!open) {
        quietlyClose(client);
        continue;
      }
      try {
        Socket server = new Socket(targetHost, targetPort);
        live.add(client);
        live.add(server);
        pump(client, server);
        pump(server, client);
      } catch (IOException e) {
        quietlyClose(client);
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // cut: fall through and close both ends
              } finally {
                quietlyClose(from);
                quietlyClose(to);
                live.remove(from);
                live.remove(to);
              }
            },
            "loopback-gate-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void quietlyClose(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    shut();
    listener.close();
  }
}
