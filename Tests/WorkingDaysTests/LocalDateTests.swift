import Testing
@testable import WorkingDays

@Test func localDateRoundTrips() {
    let d = LocalDate(iso: "2026-11-27")!
    #expect(d.iso == "2026-11-27")
    #expect(d.weekday == 5)
    #expect(d.longDescription == "Fri 27 Nov 2026")
    #expect(LocalDate(iso: "2026-02-29") == nil)
}
