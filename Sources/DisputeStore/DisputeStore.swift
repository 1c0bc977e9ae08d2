import CSQLite
// Module DisputeStore: see README "Code map".
