package dev.costtrace.sink.engine;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories only their owner can read: the buffer and the engine's data hold tenant,
 * user and conversation IDs, and the engine's secret lets anyone holding it run SQL. On a file
 * system without POSIX permissions (Windows) the calls create the files with the defaults.
 */
public final class OwnerOnly {
  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIRECTORY =
      PosixFilePermissions.fromString("rwx------");

  private OwnerOnly() {}

  /** Attributes for creating a file readable and writable by its owner only (0600). */
  public static FileAttribute<?>[] fileAttributes() {
    return POSIX
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
        : new FileAttribute<?>[0];
  }

  /**
   * Creates the directory and any missing parents as 0700. An existing directory is left as it is
   * (it may be one the user chose and shares on purpose); what we create inside it is owner-only.
   */
  public static Path createDirectories(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return dir;
    }
    return POSIX
        ? Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY))
        : Files.createDirectories(dir);
  }

  /** Makes an existing file (one an earlier version created world-readable) 0600. */
  public static void restrict(Path file) throws IOException {
    if (POSIX && Files.exists(file)) {
      Files.setPosixFilePermissions(file, FILE);
    }
  }

  /** Writes a whole file as 0600 (also when it already existed with wider permissions). */
  public static void write(Path file, byte[] bytes) throws IOException {
    try {
      Files.createFile(file, fileAttributes());
    } catch (java.nio.file.FileAlreadyExistsException e) {
      restrict(file);
    }
    Files.write(file, bytes);
  }
}
