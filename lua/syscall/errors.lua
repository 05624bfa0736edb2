-- syscall.errors: error objects, shared by every target.
--
-- An error is a small immutable object, one per errno value and target, cached, so failing
-- calls allocate nothing.  Fields:
--   err.errno        the number (the target's own: Linux on the host, NetBSD in a kernel)
--   err.sym          the name, "ENOENT"
--   err.NOENT, err.ENOENT   true when the error is that one (any known name works; false otherwise)
--   tostring(err)    the readable message, "No such file or directory"
-- err1 == err2 compares errno values.

local setmetatable, rawget, type, tostring, error = setmetatable, rawget, type, tostring, error

-- The readable message of each errno name, shared by all targets.
local msg = {
  EPERM = "Operation not permitted", ENOENT = "No such file or directory", ESRCH = "No such process",
  EINTR = "Interrupted system call", EIO = "Input/output error", ENXIO = "No such device or address",
  E2BIG = "Argument list too long", ENOEXEC = "Exec format error", EBADF = "Bad file descriptor",
  ECHILD = "No child processes", EAGAIN = "Resource temporarily unavailable",
  ENOMEM = "Cannot allocate memory", EACCES = "Permission denied", EFAULT = "Bad address",
  ENOTBLK = "Block device required", EBUSY = "Device or resource busy", EEXIST = "File exists",
  EXDEV = "Invalid cross-device link", ENODEV = "No such device", ENOTDIR = "Not a directory",
  EISDIR = "Is a directory", EINVAL = "Invalid argument", ENFILE = "Too many open files in system",
  EMFILE = "Too many open files", ENOTTY = "Inappropriate ioctl for device",
  ETXTBSY = "Text file busy", EFBIG = "File too large", ENOSPC = "No space left on device",
  ESPIPE = "Illegal seek", EROFS = "Read-only file system", EMLINK = "Too many links",
  EPIPE = "Broken pipe", EDOM = "Numerical argument out of domain",
  ERANGE = "Numerical result out of range", EDEADLK = "Resource deadlock avoided",
  ENAMETOOLONG = "File name too long", ENOLCK = "No locks available",
  ENOSYS = "Function not implemented", ENOTEMPTY = "Directory not empty",
  ELOOP = "Too many levels of symbolic links", ENOMSG = "No message of desired type",
  EIDRM = "Identifier removed", ENOSTR = "Device not a stream", ENODATA = "No data available",
  ETIME = "Timer expired", ENOSR = "Out of streams resources", EREMOTE = "Object is remote",
  ENOLINK = "Link has been severed", EPROTO = "Protocol error", EMULTIHOP = "Multihop attempted",
  EBADMSG = "Bad message", EOVERFLOW = "Value too large for defined data type",
  EILSEQ = "Invalid or incomplete multibyte or wide character", EUSERS = "Too many users",
  ENOTSOCK = "Socket operation on non-socket", EDESTADDRREQ = "Destination address required",
  EMSGSIZE = "Message too long", EPROTOTYPE = "Protocol wrong type for socket",
  ENOPROTOOPT = "Protocol not available", EPROTONOSUPPORT = "Protocol not supported",
  ESOCKTNOSUPPORT = "Socket type not supported", EOPNOTSUPP = "Operation not supported",
  EPFNOSUPPORT = "Protocol family not supported",
  EAFNOSUPPORT = "Address family not supported by protocol", EADDRINUSE = "Address already in use",
  EADDRNOTAVAIL = "Cannot assign requested address", ENETDOWN = "Network is down",
  ENETUNREACH = "Network is unreachable", ENETRESET = "Network dropped connection on reset",
  ECONNABORTED = "Software caused connection abort", ECONNRESET = "Connection reset by peer",
  ENOBUFS = "No buffer space available", EISCONN = "Transport endpoint is already connected",
  ENOTCONN = "Transport endpoint is not connected",
  ESHUTDOWN = "Cannot send after transport endpoint shutdown",
  ETOOMANYREFS = "Too many references: cannot splice", ETIMEDOUT = "Connection timed out",
  ECONNREFUSED = "Connection refused", EHOSTDOWN = "Host is down", EHOSTUNREACH = "No route to host",
  EALREADY = "Operation already in progress", EINPROGRESS = "Operation now in progress",
  ESTALE = "Stale file handle", EDQUOT = "Disk quota exceeded", ECANCELED = "Operation canceled",
  EOWNERDEAD = "Owner died", ENOTRECOVERABLE = "State not recoverable",
  ENOTSUP = "Operation not supported", ENOATTR = "Attribute not found",
  EPROCLIM = "Too many processes", EBADRPC = "RPC struct is bad", ERPCMISMATCH = "RPC version wrong",
  EPROGUNAVAIL = "RPC program not available", EPROGMISMATCH = "Program version wrong",
  EPROCUNAVAIL = "Bad procedure for program", EFTYPE = "Inappropriate file type or format",
  EAUTH = "Authentication error", ENEEDAUTH = "Need authenticator",
  ENOKEY = "Required key not available", EKEYEXPIRED = "Key has expired",
  EKEYREVOKED = "Key has been revoked", EKEYREJECTED = "Key was rejected by service",
  ERFKILL = "Operation not possible due to RF-kill", EHWPOISON = "Memory page has hardware error",
  ECHRNG = "Channel number out of range", EL2NSYNC = "Level 2 not synchronized",
  EL3HLT = "Level 3 halted", EL3RST = "Level 3 reset", ELNRNG = "Link number out of range",
  EUNATCH = "Protocol driver not attached", ENOCSI = "No CSI structure available",
  EL2HLT = "Level 2 halted", EBADE = "Invalid exchange", EBADR = "Invalid request descriptor",
  EXFULL = "Exchange full", ENOANO = "No anode", EBADRQC = "Invalid request code",
  EBADSLT = "Invalid slot", EBFONT = "Bad font file format", ENONET = "Machine is not on the network",
  ENOPKG = "Package not installed", EADV = "Advertise error", ESRMNT = "Srmount error",
  ECOMM = "Communication error on send", EDOTDOT = "RFS specific error",
  ENOTUNIQ = "Name not unique on network", EBADFD = "File descriptor in bad state",
  EREMCHG = "Remote address changed", ELIBACC = "Can not access a needed shared library",
  ELIBBAD = "Accessing a corrupted shared library", ELIBSCN = ".lib section in a.out corrupted",
  ELIBMAX = "Attempting to link in too many shared libraries",
  ELIBEXEC = "Cannot exec a shared library directly", ERESTART = "Interrupted system call should be restarted",
  ESTRPIPE = "Streams pipe error", EUCLEAN = "Structure needs cleaning",
  ENOTNAM = "Not a XENIX named type file", ENAVAIL = "No XENIX semaphores available",
  EISNAM = "Is a named type file", EREMOTEIO = "Remote I/O error", ENOMEDIUM = "No medium found",
  EMEDIUMTYPE = "Wrong medium type",
}

local M = {}
M.messages = msg

-- Makes the error constructor of a target from its c.E table (names without the E prefix, as
-- ljsyscall: E.NOENT = 2).  Returns error(n) -> cached error object.
function M.maker(E)
  local byno = {}
  for name, n in pairs(E) do
    local full = "E" .. name
    -- Prefer the canonical name for aliases (EAGAIN over EWOULDBLOCK, EOPNOTSUPP over ENOTSUP
    -- where they share a number, EDEADLK over EDEADLOCK, ENODATA over Linux's ENOATTR alias).
    local cur = byno[n]
    if not cur or (msg[full] and not msg[cur]) or
       (full == "EAGAIN" or full == "EOPNOTSUPP" or full == "EDEADLK" or full == "ENODATA") then
      byno[n] = full
    end
  end
  local cache = {}
  local mt = {}
  mt.__index = function(err, k)
    if type(k) ~= "string" then return nil end
    local n = E[k]
    if n == nil then return nil end
    return rawget(err, "errno") == n
  end
  mt.__tostring = function(err)
    local sym = rawget(err, "sym")
    return (sym and msg[sym]) or ("Unknown error " .. tostring(rawget(err, "errno")))
  end
  mt.__eq = function(a, b) return rawget(a, "errno") == rawget(b, "errno") end
  mt.__newindex = function() error("error objects are read-only", 2) end
  local function mk(n)
    if type(n) ~= "number" then n = tonumber(n) or error("error: errno number expected", 2) end
    local e = cache[n]
    if not e then
      e = setmetatable({ errno = n, sym = byno[n] or ("E" .. n) }, mt)
      cache[n] = e
    end
    return e
  end
  return mk, mt
end

return M
