import CCurl
import CCrypto
// Module Delivery: see README "Code map".
