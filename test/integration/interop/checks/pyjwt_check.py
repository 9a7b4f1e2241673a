"""Reads {secret, tokens: [{token, alg}]} as JSON on stdin; decodes each with PyJWT (the library the
FastAPI tutorial uses) and answers the header and claims PyJWT saw, or the error it raised."""
import json
import sys

import jwt

request = json.load(sys.stdin)
results = []
for item in request["tokens"]:
    try:
        claims = jwt.decode(item["token"], request["secret"], algorithms=[item["alg"]])
        results.append({"header": jwt.get_unverified_header(item["token"]), "claims": claims})
    except jwt.PyJWTError as error:
        results.append({"error": type(error).__name__})
json.dump(results, sys.stdout)
