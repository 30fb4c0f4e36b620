package lbmesh.systest;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * One mesh for the whole suite: started by the first test class that needs it (a start costs 20-60 s on
 * 2 cores), stopped with {@code ./mesh down} when JUnit closes its root context after the last class (or
 * by the mesh's shutdown hook if the JVM dies first). A mesh that failed to start is not retried: every
 * later class fails at once with the same cause. A failed test prints the tail of every service's log.
 * Test methods and lifecycle methods get the {@link Mesh} as a parameter.
 */
public final class MeshExtension implements BeforeAllCallback, ParameterResolver, TestWatcher {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(MeshExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    shared(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == Mesh.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    return shared(e);
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    Running r = context.getRoot().getStore(NS).get(Running.class, Running.class);
    if (r != null && r.mesh != null) {
      Mesh.log(context.getDisplayName() + " failed: " + cause + "\n" + r.mesh.logTails(30));
    }
  }

  private static Mesh shared(ExtensionContext context) {
    Running r = context.getRoot().getStore(NS).getOrComputeIfAbsent(Running.class, k -> Running.start(), Running.class);
    if (r.failure != null) {
      throw new IllegalStateException("the mesh did not start", r.failure);
    }
    return r.mesh;
  }

  /** The started mesh (or why it is not), closed by JUnit with the root context. */
  private static final class Running implements ExtensionContext.Store.CloseableResource {
    final Mesh mesh;
    final Throwable failure;

    private Running(Mesh mesh, Throwable failure) {
      this.mesh = mesh;
      this.failure = failure;
    }

    static Running start() {
      Mesh mesh = Mesh.configured();
      try {
        mesh.start();
        return new Running(mesh, null);
      } catch (Exception | AssertionError e) {
        mesh.stop();
        return new Running(null, e);
      }
    }

    @Override
    public void close() {
      if (mesh != null) {
        mesh.stop();
      }
    }
  }
}
