/**
 * Typed errors of the role registry and the role runner: one class per condition, a stable
 * `code`, the module named in the message.
 */

export class RoleError extends Error {
  readonly code: string = 'role_error';
  constructor(message: string) {
    super(`role: ${message}`);
    this.name = new.target.name;
  }
}

/** A role's home is held by a live process (its lock file names it). */
export class HomeLockedError extends RoleError {
  override readonly code = 'home_locked';
  constructor(
    readonly home: string,
    readonly holder: { pid: number; role: string; started_at: string; command: string[] },
  ) {
    super(
      `${home} is in use by ${holder.role} process ${holder.pid} (started ${holder.started_at}: ${holder.command.join(' ')}); stop it first`,
    );
  }
}

/** A lock file that is not ours to release, or could not be written. */
export class HomeLockError extends RoleError {
  override readonly code = 'home_lock';
  constructor(
    readonly home: string,
    readonly detail: string,
  ) {
    super(`${home}: ${detail}`);
  }
}

/** No role of that name or command in the registry. */
export class UnknownRoleError extends RoleError {
  override readonly code = 'unknown_role';
  constructor(
    readonly role: string,
    readonly known: readonly string[],
  ) {
    super(`unknown role ${role} (one of ${known.join(', ')})`);
  }
}

/** A role-specific run option that is missing or malformed. */
export class RoleOptionError extends RoleError {
  override readonly code = 'role_option';
  constructor(
    readonly role: string,
    readonly option: string,
    readonly detail: string,
  ) {
    super(`${role}: --${option}: ${detail}`);
  }
}
