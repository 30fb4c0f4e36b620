package lbmesh.shared.model;

import java.util.List;

/** A document that breaks the model's rules; carries every field error found. */
public final class InvalidModelException extends RuntimeException {
  private final transient List<FieldError> errors;

  public InvalidModelException(List<FieldError> errors) {
    super(errors.isEmpty() ? "invalid" : errors.get(0).field() + ": " + errors.get(0).message());
    this.errors = List.copyOf(errors);
  }

  public InvalidModelException(String field, String message) {
    this(List.of(new FieldError(field, message)));
  }

  public List<FieldError> errors() {
    return errors;
  }
}
