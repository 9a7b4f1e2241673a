"""fastapi-users' side of the shared user table: its SQLAlchemy model (SQLAlchemyBaseUserTableUUID
and the GUID type of fastapi-users-db-sqlalchemy, written out here) on Debian's python3-sqlalchemy,
and pwdlib's Argon2Hasher as argon2-cffi runs it (python3-argon2, at pwdlib's parameters), with
UserManager.authenticate's steps: the user by email, verify_and_update, is_active.
Usage: python3 fastapi_users.py '{"url": "sqlite:///...", "do": "...", ...}'"""
import json
import sys
import uuid

from argon2 import PasswordHasher, Type
from argon2.exceptions import VerificationError, InvalidHash
from sqlalchemy import Boolean, Column, String, create_engine, func, inspect
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Session, declarative_base
from sqlalchemy.types import CHAR, TypeDecorator


class GUID(TypeDecorator):
    """fastapi_users_db_sqlalchemy.generics.GUID: UUID on PostgreSQL, CHAR(36) elsewhere."""
    impl = CHAR
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(UUID())
        return dialect.type_descriptor(CHAR(36))

    def process_bind_param(self, value, dialect):
        if value is None:
            return value
        if dialect.name == "postgresql":
            return str(value)
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return value
        return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


Base = declarative_base()


class User(Base):
    """SQLAlchemyBaseUserTableUUID."""
    __tablename__ = "user"
    id = Column(GUID, primary_key=True, default=uuid.uuid4)
    email = Column(String(length=320), unique=True, index=True, nullable=False)
    hashed_password = Column(String(length=1024), nullable=False)
    is_active = Column(Boolean, default=True, nullable=False)
    is_superuser = Column(Boolean, default=False, nullable=False)
    is_verified = Column(Boolean, default=False, nullable=False)


# pwdlib's Argon2Hasher(): argon2-cffi's RFC 9106 low-memory profile (argon2-cffi >= 21.2's defaults).
hasher = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16, type=Type.ID)

data = json.loads(sys.argv[1])
engine = create_engine(data["url"])
result = None
with Session(engine) as session:
    find = lambda email: session.query(User).filter(func.lower(User.email) == func.lower(email)).one_or_none()
    do = data["do"]
    if do == "migrate":
        Base.metadata.create_all(engine)
    elif do == "create":
        session.add(User(email=data["email"], hashed_password=hasher.hash(data["password"]), is_active=data.get("active", True)))
        session.commit()
    elif do == "set-password":
        find(data["email"]).hashed_password = hasher.hash(data["password"])
        session.commit()
    elif do == "set-active":
        find(data["email"]).is_active = data["active"]
        session.commit()
    elif do == "authenticate":  # UserManager.authenticate, then the login route's is_active check
        user = find(data["email"])
        ok, rehash = False, False
        if user is not None:
            try:
                ok = hasher.verify(user.hashed_password, data["password"])
                rehash = hasher.check_needs_rehash(user.hashed_password)
            except (VerificationError, InvalidHash):
                ok = False
        result = {"verified": ok, "needs_rehash": rehash, "active": bool(user and user.is_active)}
    elif do == "row":
        user = find(data["email"])
        result = user and {
            "id": str(user.id), "id_is_uuid": isinstance(user.id, uuid.UUID), "email": user.email,
            "hashed_password": user.hashed_password, "is_active": user.is_active,
            "is_superuser": user.is_superuser, "is_verified": user.is_verified,
        }
    elif do == "schema":
        inspector = inspect(engine)
        result = {
            "columns": [f"{c['name']}:{c['type']}:{c['nullable']}" for c in inspector.get_columns("user")],
            "indexes": sorted(f"{i['name']}:{i['unique']}" for i in inspector.get_indexes("user")),
        }
json.dump(result, sys.stdout)
