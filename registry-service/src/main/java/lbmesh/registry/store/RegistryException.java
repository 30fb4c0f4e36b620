package lbmesh.registry.store;

import java.util.List;
import lbmesh.shared.http.Problem;
import lbmesh.shared.model.FieldError;

/** A refused change, carrying the HTTP problem to answer with; the state is left as it was. */
public final class RegistryException extends RuntimeException {
  private final transient Problem problem;

  public RegistryException(Problem problem) {
    super(problem.title() + ": " + problem.detail());
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }

  public static RegistryException notFound(String what) {
    return new RegistryException(Problem.of(404, "Not Found", what + " does not exist"));
  }

  public static RegistryException conflict(String detail, List<FieldError> errors) {
    return new RegistryException(new Problem(409, "Conflict", detail, errors));
  }

  public static RegistryException preconditionFailed(String detail) {
    return new RegistryException(Problem.of(412, "Precondition Failed", detail));
  }

  public static RegistryException invalid(List<FieldError> errors) {
    return new RegistryException(Problem.invalid(errors));
  }
}
