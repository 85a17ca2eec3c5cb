-- wrk script: password logins with the bench user.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"benchuser","password":"Bench-Password-Quiet-77"}'
