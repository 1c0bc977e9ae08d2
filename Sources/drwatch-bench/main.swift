// drwatch-bench NAME: one benchmark per name, one file per benchmark (see README).
// Build and run in release: swift build -c release --product drwatch-bench && .build/release/drwatch-bench NAME
import Foundation

let names = ["calendar", "store", "engine", "report", "delivery", "tick", "daemon"]
let name = CommandLine.arguments.dropFirst().first ?? "all"

func run(_ name: String) throws {
    switch name {
    case "calendar": try CalendarBench.run()
    case "store": try StoreBench.run()
    case "engine": try EngineBench.run()
    case "report": try ReportBench.run()
    case "delivery": try DeliveryBench.run()
    case "tick": try TickBench.run()
    case "daemon": try DaemonBench.run()
    case "daemon-idle": try DaemonBench.runIdle()
    case "firstpoll": try FirstPollBench.run()
    default:
        FileHandle.standardError.write(Data("drwatch-bench: unknown benchmark '\(name)': use one of \(names.joined(separator: ", ")), daemon-idle, firstpoll or all\n".utf8))
        exit(64)
    }
}

do {
    if name == "all" { for n in names { try run(n) } } else { try run(name) }
} catch {
    FileHandle.standardError.write(Data("drwatch-bench: \(error)\n".utf8))
    exit(70)
}
