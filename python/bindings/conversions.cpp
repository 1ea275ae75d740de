// Argument conversions shared by the register_*.cpp files.
#include <climits>
#include <cmath>
#include <string>

#include "registers.hpp"

namespace totp_native::bindings {

namespace {

std::string type_name(const py::handle& obj) {
  return py::str(py::type::of(obj).attr("__name__"));
}

}  // namespace

std::string arg_text(const py::handle& obj, const char* what) {
  if (!PyUnicode_Check(obj.ptr())) {
    throw py::type_error(std::string(what) + " must be a str, not " + type_name(obj));
  }
  return std::string(str_utf8(obj, what));
}

std::optional<std::string> arg_optional_text(const py::handle& obj, const char* what) {
  if (obj.is_none()) return std::nullopt;
  if (!PyUnicode_Check(obj.ptr())) {
    throw py::type_error(std::string(what) + " must be a str or None, not " + type_name(obj));
  }
  return std::string(str_utf8(obj, what));
}

// index_value returns |obj| as a C long long via __index__ (bool refused), with
// |overflow| set to +1 / -1 when it does not fit.
static long long index_value(const py::handle& obj, const char* what, int& overflow) {
  if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr())) {
    throw py::type_error(std::string(what) + " must be an int, not " + type_name(obj));
  }
  const auto index = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
  if (!index) throw py::error_already_set();
  overflow = 0;
  const long long value = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
  if (value == -1 && PyErr_Occurred()) throw py::error_already_set();
  return value;
}

std::int64_t arg_int64(const py::handle& obj, const char* what, std::int64_t min,
                       std::int64_t max) {
  int overflow = 0;
  const long long value = index_value(obj, what, overflow);
  if (overflow != 0 || value < min || value > max) {
    throw py::value_error(std::string(what) + " must be between " + std::to_string(min) +
                          " and " + std::to_string(max));
  }
  return static_cast<std::int64_t>(value);
}

int arg_int(const py::handle& obj, const char* what) {
  int overflow = 0;
  const long long value = index_value(obj, what, overflow);
  if (overflow > 0 || value > INT_MAX) return INT_MAX;
  if (overflow < 0 || value < INT_MIN) return INT_MIN;
  return static_cast<int>(value);
}

bool arg_bool(const py::handle& obj, const char* what) {
  if (!PyBool_Check(obj.ptr())) {
    throw py::type_error(std::string(what) + " must be True or False, not " + type_name(obj));
  }
  return obj.ptr() == Py_True;
}

std::string_view str_utf8(const py::handle& obj, const char* what) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(obj.ptr(), &size);
  if (data == nullptr) {
    // Lone surrogates cannot be UTF-8: a value error, not an internal failure.
    PyErr_Clear();
    throw py::value_error(std::string(what) + " must be valid Unicode text (no lone surrogates)");
  }
  return {data, static_cast<std::size_t>(size)};
}

BufferArg::BufferArg(py::handle obj, const char* what, Accept accept) {
  PyObject* const o = obj.ptr();
  if (PyBytes_Check(o)) {
    // Immutable, and the caller holds a reference for the whole call.
    view_ = {PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o))};
    return;
  }
  if (PyByteArray_Check(o)) {
    // bytearray's own slot, not PyObject_GetBuffer: a subclass's Python-level __buffer__
    // would run code (and could hand out some other memory).
    if (PyByteArray_Type.tp_as_buffer->bf_getbuffer(o, &pin_, PyBUF_SIMPLE) != 0) {
      throw py::error_already_set();
    }
    pinned_ = true;
    view_ = {static_cast<const char*>(pin_.buf), static_cast<std::size_t>(pin_.len)};
    return;
  }
  if (accept == Accept::kBytesOrStr && PyUnicode_Check(o)) {
    view_ = str_utf8(obj, what);
    return;
  }
  throw py::type_error(std::string(what) +
                       (accept == Accept::kBytesOrStr ? " must be bytes or str, not "
                                                      : " must be bytes, not ") +
                       type_name(obj));
}

BufferArg::~BufferArg() {
  if (!pinned_) return;
  // Mirrors the acquisition: bytearray's own release slot, then the reference the view
  // took (bf_getbuffer set pin_.obj).
  if (PyByteArray_Type.tp_as_buffer->bf_releasebuffer != nullptr) {
    PyByteArray_Type.tp_as_buffer->bf_releasebuffer(pin_.obj, &pin_);
  }
  Py_CLEAR(pin_.obj);
}

void require_initialised(const py::handle& obj, const std::type_info& type, const char* class_name) {
  const py::detail::type_info* const info = py::detail::get_type_info(type);
  if (info == nullptr || !PyObject_TypeCheck(obj.ptr(), info->type)) {
    throw py::type_error(std::string("expected a ") + class_name + " object");
  }
  auto* const inst = reinterpret_cast<py::detail::instance*>(obj.ptr());
  const py::detail::value_and_holder vh = inst->get_value_and_holder(info, false);
  // A found entry has inst set; the holder is constructed only by a completed __init__.
  if (vh.inst == nullptr || !vh.holder_constructed() || vh.value_ptr() == nullptr) {
    throw py::type_error(std::string(class_name) + " object is not initialised");
  }
}

FernetKeyRing arg_key_ring(const py::handle& obj, const char* what) {
  if (py::isinstance<FernetKeyRing>(obj)) {
    return initialised_cast<FernetKeyRing>(obj, "MultiFernet");
  }
  if (py::isinstance<FernetKey>(obj)) {
    return FernetKeyRing({initialised_cast<FernetKey>(obj, "Fernet")});
  }
  throw py::type_error(std::string(what) +
                       " must be a django_totp_native.core Fernet or MultiFernet");
}

double unix_time(const py::handle& obj, const char* what) {
  if (obj.is_none()) {
    return py::module_::import("time").attr("time")().cast<double>();
  }
  if (PyBool_Check(obj.ptr()) || !(PyLong_Check(obj.ptr()) || PyFloat_Check(obj.ptr()))) {
    throw py::type_error(std::string(what) + " must be an int or float (Unix seconds), not " +
                         type_name(obj));
  }
  const double value = PyFloat_Check(obj.ptr()) ? PyFloat_AS_DOUBLE(obj.ptr())
                                                : PyLong_AsDouble(obj.ptr());
  if (PyErr_Occurred()) {
    PyErr_Clear();
    throw py::value_error(std::string(what) + " is out of range");
  }
  // Far beyond any real clock; also keeps step arithmetic well inside int64.
  if (!std::isfinite(value) || std::fabs(value) > 1e15) {
    throw py::value_error(std::string(what) + " must be a finite time within ±1e15 seconds");
  }
  return value;
}

std::int64_t whole_seconds(const py::handle& obj, const char* what) {
  if (obj.is_none()) {
    return static_cast<std::int64_t>(py::module_::import("time").attr("time")().cast<double>());
  }
  if (PyBool_Check(obj.ptr()) || !PyLong_Check(obj.ptr())) {
    if (PyFloat_Check(obj.ptr())) return static_cast<std::int64_t>(unix_time(obj, what));
    throw py::type_error(std::string(what) + " must be an int (Unix seconds), not " +
                         type_name(obj));
  }
  int overflow = 0;
  const long long value = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
  if (overflow != 0 || value > 1'000'000'000'000'000LL || value < -1'000'000'000'000'000LL) {
    throw py::value_error(std::string(what) + " must be within ±1e15 seconds");
  }
  return static_cast<std::int64_t>(value);
}

}  // namespace totp_native::bindings
