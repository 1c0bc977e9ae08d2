import DisputeCore
import Foundation

// Everything the command line prints that can hold stored or imported text goes through
// `writeOut` (Support.swift) or `writeErr`: terminal escape sequences, NULs and other control
// characters from a note, a holidays file or a CSV never reach the terminal (SafeText.terminal).

/// Writes text to stderr in one go, without terminal controls.
func writeErr(_ text: String) {
    FileHandle.standardError.write(Data(SafeText.terminal(text).utf8))
}
